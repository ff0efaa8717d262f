"""Device choice: ``cuda`` when PyTorch sees a GPU, else ``cpu``; a notebook parameter can force either."""

from __future__ import annotations


def get_device(requested: str | None = "auto"):
    """Return a ``torch.device``.

    ``requested`` is ``"auto"``/``None`` (CUDA when available), ``"cpu"`` or ``"cuda"``.
    Asking for ``cuda`` on a machine without one raises a clear error instead of failing later.
    """
    import torch

    if requested in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(requested)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "device='cuda' was requested but PyTorch sees no CUDA GPU here "
            f"(torch {torch.__version__}, built with CUDA {torch.version.cuda}). Use device='auto' or 'cpu'."
        )
    return dev
