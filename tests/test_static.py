"""Static checks of the cells a student controls: they fail closed."""

import pytest

from autograder.static import MAX_CELL_CHARS, check_answer, names_used, notebook_aliases


def test_torch_in_numpy_part_is_a_violation_even_through_aliases():
    aliases = notebook_aliases(["import torch\nimport torch.nn.functional as F\n"])
    rep = check_answer("conv", "def conv(x):\n    return F.conv2d(x)\n", ["torch"], aliases)
    assert rep.violations and "torch.nn.functional.conv2d" in rep.violations[0]
    assert rep.defines == {"conv"}


def test_forbidden_layer_but_other_torch_is_fine():
    src = (
        "import torch\nfrom torch.nn.functional import linear\ndef f(x, w):\n    return torch.matmul(x, w)\n"
    )
    rep = check_answer("f", src, ["torch.nn.functional.linear"], {})
    assert rep.violations  # the import alone names the forbidden layer
    rep = check_answer(
        "f", "import torch\ndef f(x, w):\n    return torch.matmul(x, w)\n", ["torch.nn.functional.linear"], {}
    )
    assert rep.violations == []


@pytest.mark.parametrize(
    "src",
    [
        "m = __import__('to' + 'rch')\ndef f():\n    return m\n",
        "import importlib\ndef f():\n    return importlib.import_module('torch')\n",
        "def f():\n    return eval('1')\n",
        "def f():\n    return get_ipython().user_ns['torch']\n",
        "import numpy as np\ndef f():\n    return np.__dict__['sum']\n",
        "import pkgutil\ndef f():\n    return pkgutil.resolve_name('torch.nn.functional:conv2d')\n",
        "def f(m):\n    return getattr(m, 'con' + 'v2d')\n",
        "def f():\n    return globals()['F']\n",
        "import sys\ndef f():\n    return sys.modules['torch']\n",
        "from operator import attrgetter\ndef f(m):\n    return attrgetter('conv2d')(m)\n",
    ],
)
def test_dynamic_lookups_in_answers_are_violations(src):
    rep = check_answer("f", src, ["torch"], {})
    assert rep.violations, src
    assert rep.dynamic


def test_magics_are_transformed_then_judged():
    rep = check_answer("f", "%time x = 1\ndef f():\n    return 1\n", [], {})
    assert rep.syntax_error is None
    assert any("dynamic" in v for v in rep.violations)  # get_ipython().run_line_magic(...)
    rep = check_answer("f", "!ls /\ndef f():\n    return 1\n", [], {})
    assert rep.violations


def test_definitions_nested_under_statements_are_seen():
    src = "import torch\nif True:\n    def f(x):\n        return torch.relu(x)\ntry:\n    g = 1\nexcept Exception:\n    pass\n"
    rep = check_answer("f", src, ["torch"], {})
    assert {"f", "g"} <= rep.defines
    assert rep.violations


def test_global_inside_function_defines_a_module_name():
    rep = check_answer("f", "def setup():\n    global f\n    f = len\n", [], {})
    assert "f" in rep.defines


def test_huge_or_deep_cells_fail_closed():
    rep = check_answer("f", "x = 1\n" * (MAX_CELL_CHARS // 6 + 10), [], {})
    assert rep.violations and "too large" in rep.violations[0]
    rep = check_answer("f", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", [], {})
    assert rep.violations or rep.syntax_error


AUTOGRAD_BACKWARD = """
import torch
class AffineFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w, b)
        return x @ w + b

    @staticmethod
    def backward(ctx, dout):
        x, w, b = ctx.saved_tensors
        with torch.enable_grad():
            x, w, b = (t.detach().requires_grad_() for t in (x, w, b))
            (x @ w + b).backward(dout)
        return x.grad, w.grad, b.grad
"""

HAND_BACKWARD = """
import torch
class AffineFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w + b

    @staticmethod
    def backward(ctx, dout):
        x, w = ctx.saved_tensors
        return dout @ w.T, x.T @ dout, dout.sum(0)
"""


def test_autograd_inside_backward_is_a_violation_whatever_the_forbid_list():
    rep = check_answer("AffineFunction", AUTOGRAD_BACKWARD, [], {})
    assert any("hand-written" in v for v in rep.violations), rep.violations
    assert check_answer("AffineFunction", HAND_BACKWARD, [], {}).violations == []


def test_test_cells_use_only_the_names_they_do_not_bind():
    assert names_used("x = 1\ny = f(x)\ncheck('a', y, 2)\n") == {"f", "check"}


def test_syntax_error_is_reported():
    rep = check_answer("f", "def f(:\n", [], {})
    assert rep.syntax_error
