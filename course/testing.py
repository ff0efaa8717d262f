"""Helpers for the test cells of the PyTorch parts: run a function forward and backward, ask
autograd for the oracle, and tell whether a ``torch.autograd.Function``'s backward is hand-written.

They return values; the test cell passes them to ``check(...)`` itself (so that the grader can
record them), for example::

    out, grads = forward_backward(AffineFunction.apply, x, w, b, dout=dout)
    out_ref, grads_ref = forward_backward(lambda x, w, b: x @ w + b, x, w, b, dout=dout)
    check("affine_function_out", out, out_ref, rtol=1e-10)
    check("affine_function_grads", grads, grads_ref, rtol=1e-10)
    check("affine_function_hand_written", backward_problems(AffineFunction, x, w, b), [])
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

# Names whose use inside a backward means autograd computes the gradient, not the student.
AUTOGRAD_NAMES = (
    "enable_grad",
    "set_grad_enabled",
    "backward",
    "grad",
    "requires_grad_",
    "vjp",
    "jacobian",
    "functional",
    "torch.func",
    "functorch",
)


def _leaf(t: Any, dtype=None, device=None):
    """A fresh leaf copy of a float tensor that requires grad; other values pass unchanged."""
    import torch

    if isinstance(t, torch.Tensor):
        t = t.detach().clone()
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        if device is not None:
            t = t.to(device)
        if t.is_floating_point():
            t.requires_grad_(True)
    return t


def forward_backward(fn: Callable, *inputs: Any, dout: Any = None, dtype=None, device=None):
    """``(out, grads)`` of ``fn(*inputs)``: the output, and the gradient of ``sum(out * dout)``
    with respect to each input (``None`` for inputs that are not float tensors).

    The inputs are copied into fresh leaves (optionally cast to ``dtype`` and moved to
    ``device``), so the caller's tensors are never modified and the same inputs serve the
    student's Function and the autograd oracle alike. ``dout`` defaults to ones. ``out`` and
    the gradients come back detached, on the CPU.
    """
    import torch

    leaves = [_leaf(t, dtype, device) for t in inputs]
    out = fn(*leaves)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"expected the function to return a tensor, got {type(out).__name__}")
    g = torch.ones_like(out) if dout is None else torch.as_tensor(dout).to(out.dtype).to(out.device)
    if g.shape != out.shape:
        raise ValueError(f"dout has shape {tuple(g.shape)}, the output {tuple(out.shape)}")
    wrt = [t for t in leaves if isinstance(t, torch.Tensor) and t.requires_grad]
    grads_wrt = torch.autograd.grad(out, wrt, g, allow_unused=True) if wrt else ()
    it = iter(grads_wrt)
    grads = []
    for t in leaves:
        if isinstance(t, torch.Tensor) and t.requires_grad:
            gr = next(it)
            grads.append(None if gr is None else gr.detach().cpu())
        else:
            grads.append(None)
    return out.detach().cpu(), tuple(grads)


def gradcheck_passes(fn: Callable, *inputs: Any, **kwargs: Any) -> bool:
    """``torch.autograd.gradcheck`` on float64 leaf copies of ``inputs``; True or False, never raises
    for a mismatch (the failing numbers are for the student to see: call gradcheck directly)."""
    import torch

    leaves = tuple(_leaf(t, torch.float64) for t in inputs)
    try:
        return bool(torch.autograd.gradcheck(fn, leaves, raise_exception=False, **kwargs))
    except Exception:  # noqa: BLE001 - an error inside backward fails the check
        return False


def _static_problems(method: Callable) -> list[str]:
    try:
        src = textwrap.dedent(inspect.getsource(method))
        tree = ast.parse(src)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return ["the source of backward could not be read, so it cannot be shown to be hand-written"]
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        if name in AUTOGRAD_NAMES:
            found.append(f"backward uses {name!r}: the gradient must be written out, not asked of autograd")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id
            in (
                "getattr",
                "eval",
                "exec",
                "__import__",
            )
        ):
            found.append(f"backward calls {node.func.id}(): write the gradient with plain tensor operations")
    return sorted(set(found))


def backward_problems(function_class: type, *inputs: Any) -> list[str]:
    """Why ``function_class.backward`` is not hand-written; ``[]`` when it is.

    Two looks: its source must not name autograd (``enable_grad``, ``.backward(``,
    ``autograd.grad``, ``requires_grad_`` ...), and, when ``inputs`` are given, running it must
    not call autograd. The grader enforces the same rule statically on the answer cell.
    """
    import torch

    problems = _static_problems(function_class.backward)
    if inputs:
        calls: list[str] = []
        saved = {
            "Tensor.backward": (torch.Tensor, "backward"),
            "autograd.grad": (torch.autograd, "grad"),
            "autograd.backward": (torch.autograd, "backward"),
            "enable_grad": (torch, "enable_grad"),
            "set_grad_enabled": (torch, "set_grad_enabled"),
        }
        originals = {k: getattr(obj, attr) for k, (obj, attr) in saved.items()}

        def trap(label, original):
            def wrapped(*a, **k):
                calls.append(label)
                return original(*a, **k)

            return wrapped

        leaves = [_leaf(t) for t in inputs]
        out = function_class.apply(*leaves)
        dout = torch.ones_like(out)
        ctx = out.grad_fn
        with torch.no_grad():  # (entered before the traps: no_grad itself sets the grad mode)
            try:
                for k, (obj, attr) in saved.items():
                    setattr(obj, attr, trap(k, originals[k]))
                ctx.apply(dout)
            finally:
                for k, (obj, attr) in saved.items():
                    setattr(obj, attr, originals[k])
        problems += [
            f"running backward called {c}: autograd computed the gradient" for c in sorted(set(calls))
        ]
    return problems
