"""GPU code paths on CUDA (``pytest -m gpu``); on a machine without CUDA these are skipped,
and the same code paths run on the CPU in every other test (device="auto" picks the CPU)."""

from __future__ import annotations

import pytest
import torch

from autograder.papermill_all import course_notebooks, declared_parameters, run_one
from tests.conftest import ROOT

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine"),
]

NOTEBOOKS = [
    p
    for p in course_notebooks(__import__("autograder.config", fromlist=["Course"]).Course(ROOT))
    if "device" in declared_parameters(p)
]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_runs_on_cuda(path, references, tmp_path):
    references.for_notebook(path)
    ok, secs, err = run_one(path, tmp_path, {"device": "cuda"})
    assert ok, err


def test_device_helper_returns_cuda():
    from course.device import get_device

    assert get_device("auto").type == "cuda" and get_device("cuda").type == "cuda"
