"""Static checks of answer cells."""

from autograder.static import check_answer, notebook_aliases


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


def test_dynamic_tricks_are_flagged_not_failed():
    rep = check_answer(
        "f", "m = __import__('to' + 'rch')\nimport importlib\ndef f():\n    return eval('1')\n", ["torch"], {}
    )
    assert rep.violations == []
    assert any("__import__" in d for d in rep.dynamic) and any("importlib" in d for d in rep.dynamic)


def test_syntax_error_is_reported():
    rep = check_answer("f", "def f(:\n", [], {})
    assert rep.syntax_error
