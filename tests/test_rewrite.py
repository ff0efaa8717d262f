"""Test cells rewritten to record-only form evaluate nothing but the actual values."""

import pytest

from autograder.rewrite import RewriteError, rewrite_test_cell


def test_expected_and_oracles_are_dropped():
    src = "x = 1\ncheck('a', f(x), oracle(x), rtol=1e-3)\nassert g(x)\ncheck_bound('b', h(x), lower=expensive())\n"
    out = rewrite_test_cell(src, "test_1")
    assert "oracle" not in out and "expensive" not in out and "assert" not in out and "rtol" not in out
    assert "__ag_record__('test_1', 'check', 'a', f(x))" in out
    assert "__ag_record__('test_1', 'bound', 'b', h(x))" in out


def test_declarations_kept_for_the_reference_run():
    out = rewrite_test_cell(
        "check_accuracy('acc', net.predict(X), y, lower=0.9)\ncheck('c', v, e, 1e-3, 1e-5)\n",
        "t",
        declare=True,
    )
    assert "labels=y" in out and "lower=0.9" in out
    assert "rtol=0.001" in out and "atol=1e-05" in out and "expected" not in out


def test_attribute_calls_and_fstring_names():
    out = rewrite_test_cell("for i in range(2):\n    cc.check(f'n{i}', a[i], b[i])\n", "t")
    assert "__ag_record__('t', 'check', f'n{i}', a[i])" in out


@pytest.mark.parametrize(
    "bad", ["x = 1\n", "check(*args)\n", "check('a', 1, 2, 3, 4, 5)\n", "check('a')\n", "def f(:\n"]
)
def test_authoring_errors_are_reported(bad):
    with pytest.raises(RewriteError):
        rewrite_test_cell(bad, "t")


def test_reference_run_marks_hidden_checks():
    src = "check('v', f(1), 1)\n### BEGIN HIDDEN TESTS\nfor i in range(2):\n    check(f'h{i}', f(i))\n### END HIDDEN TESTS\n"
    out = rewrite_test_cell(src, "t", declare=True)
    assert "__ag_record__('t', 'check', 'v', f(1), hidden=False)" in out
    assert "__ag_record__('t', 'check', f'h{i}', f(i), hidden=True)" in out
    assert "hidden" not in rewrite_test_cell(src, "t")  # the student's run carries no declarations
