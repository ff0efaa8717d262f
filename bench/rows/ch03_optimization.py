"""Benchmark rows of chapter 03_optimization (found by ``bench.rows`` from the chapter's name).

One row per update rule: one step of the NumPy rule on 10^6 float32 parameters against one
``step()`` of the matching ``torch.optim`` optimiser on the same parameters (its state carried
from call to call, as in training), and the chapter's ``torch.optim.Optimizer`` subclass against
the same built-in. Hyper-parameters are the course's, passed explicitly to PyTorch.
"""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, layer, randn, tensor

N_PARAMS = 1_000_000  # the size the chapter's issue asks for, in --quick runs too (a step takes milliseconds)


def _optimizer_case(
    ns, rule: str, config: dict, builtin: str, hyper: dict, ours_class: str, ours_hyper: dict, seed: int
):
    r = _rng(seed)
    w, dw = randn(r, N_PARAMS), randn(r, N_PARAMS)
    state = {"w": w.copy(), "config": dict(config)}

    def ours():
        state["w"], state["config"] = ns[rule](state["w"], dw, state["config"])

    def stepper(make):
        def build(dev):
            torch = _torch()
            p = torch.nn.Parameter(tensor(w, dev))
            p.grad = tensor(dw, dev)
            return make(torch, [p]).step

        return build

    theirs = stepper(lambda torch, ps: getattr(torch.optim, builtin)(ps, **hyper))
    function = stepper(lambda torch, ps: ns[ours_class](ps, **ours_hyper)) if ours_class in ns else None
    return Case(
        f"{N_PARAMS} parameters float32",
        ours,
        theirs,
        f"torch.optim.{builtin}.step",
        function,
        f"{ours_class}.step",
    )


@layer("03_optimization", "SGD step", needs=("sgd",), function="CourseSGD")
def _sgd(ns, quick):
    return _optimizer_case(
        ns, "sgd", {"learning_rate": 1e-2}, "SGD", {"lr": 1e-2}, "CourseSGD", {"lr": 1e-2}, 31
    )


@layer("03_optimization", "SGD momentum step", needs=("sgd_momentum",), function="CourseSGD")
def _momentum(ns, quick):
    hyper = {"lr": 1e-2, "momentum": 0.9}
    return _optimizer_case(
        ns, "sgd_momentum", {"learning_rate": 1e-2, "momentum": 0.9}, "SGD", hyper, "CourseSGD", hyper, 32
    )


@layer("03_optimization", "Nesterov step", needs=("nesterov",), function="CourseSGD")
def _nesterov(ns, quick):
    hyper = {"lr": 1e-2, "momentum": 0.9, "nesterov": True}
    return _optimizer_case(
        ns, "nesterov", {"learning_rate": 1e-2, "momentum": 0.9}, "SGD", hyper, "CourseSGD", hyper, 33
    )


@layer("03_optimization", "AdaGrad step", needs=("adagrad",), function="CourseAdagrad")
def _adagrad(ns, quick):
    hyper = {"lr": 1e-2, "eps": 1e-8}
    return _optimizer_case(
        ns, "adagrad", {"learning_rate": 1e-2, "epsilon": 1e-8}, "Adagrad", hyper, "CourseAdagrad", hyper, 34
    )


@layer("03_optimization", "RMSProp step", needs=("rmsprop",), function="CourseRMSprop")
def _rmsprop(ns, quick):
    config = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    return _optimizer_case(
        ns,
        "rmsprop",
        config,
        "RMSprop",
        {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8},
        "CourseRMSprop",
        {"lr": 1e-2, "decay_rate": 0.99, "eps": 1e-8},
        35,
    )


@layer("03_optimization", "Adam step", needs=("adam",), function="CourseAdam")
def _adam(ns, quick):
    hyper = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}
    return _optimizer_case(ns, "adam", {"learning_rate": 1e-3}, "Adam", hyper, "CourseAdam", hyper, 36)
