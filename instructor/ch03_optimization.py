"""Typical mistakes in chapter 03 (optimisation): each must lose points when graded.

Every mutant still runs. Most fail the visible test right after the edited answer cell; the
ones whose ``why`` ends in "(hidden only)" are caught by a hidden test of that cell alone
(defaults, state carried over from an earlier call, weight decay, parameter groups, a changing
learning rate, ...).
"""

from __future__ import annotations

from instructor import Evaluator, Mutant, perturbed_digits, relu_mlp_predict

NOTEBOOK = "solutions/03_optimization/optimization.ipynb"

MUTANTS = [
    # ------------------------------------------------------------------ sgd
    Mutant(
        cell="sgd",
        old='next_w = w - config["learning_rate"] * dw',
        new='next_w = w + config["learning_rate"] * dw',
        why="I added the gradient instead of subtracting it.",
    ),
    Mutant(
        cell="sgd",
        old='config["learning_rate"] * dw',
        new="1e-2 * dw",
        why="I hard-coded the default learning rate instead of reading config.",
    ),
    Mutant(
        cell="sgd",
        old='    next_w = w - config["learning_rate"] * dw\n',
        new='    w -= config["learning_rate"] * dw\n    next_w = w\n',
        why="I updated w in place, changing the caller's array.",
    ),
    Mutant(
        cell="sgd",
        old='config["learning_rate"] * dw',
        new='config["learning_rate"] * np.sign(dw)',
        why="I stepped along the sign of the gradient.",
    ),
    # ------------------------------------------------------------------ sgd_momentum
    Mutant(
        cell="sgd_momentum",
        old='v = config["momentum"] * v - config["learning_rate"] * dw',
        new='v = config["momentum"] * v + config["learning_rate"] * dw',
        why="I flipped the sign of the velocity update (it climbs the loss).",
    ),
    Mutant(
        cell="sgd_momentum",
        old="\n    next_w = w + v\n",
        new="\n    next_w = w - v\n",
        why="I subtracted the velocity, as if it held gradients.",
    ),
    Mutant(
        cell="sgd_momentum",
        old='    config["velocity"] = v\n',
        new="",
        why="I did not store the new velocity, so every call starts from zero.",
    ),
    Mutant(
        cell="sgd_momentum",
        old='    v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v\n',
        new='    v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v\n',
        why="I kept PyTorch's buffer of gradients in config['velocity'] instead of the course's step.",
    ),
    Mutant(
        cell="sgd_momentum",
        old='- config["learning_rate"] * dw',
        new='- (1 - config["momentum"]) * config["learning_rate"] * dw',
        why="I damped the new gradient by (1 - momentum), like a moving average.",
    ),
    # ------------------------------------------------------------------ nesterov
    Mutant(
        cell="nesterov",
        old="next_w = w - mu * v_prev + (1 + mu) * v",
        new="next_w = w - mu * v + (1 + mu) * v",
        why="I used the new velocity where the old one belongs (plain momentum).",
    ),
    Mutant(
        cell="nesterov",
        old="next_w = w - mu * v_prev + (1 + mu) * v",
        new="next_w = w + mu * v_prev + (1 + mu) * v",
        why="I added the old velocity instead of subtracting it.",
    ),
    Mutant(
        cell="nesterov",
        old='    config["velocity"] = v\n',
        new="",
        why="I did not store the new velocity.",
    ),
    Mutant(
        cell="nesterov",
        old="(1 + mu) * v",
        new="mu * v",
        why="I wrote mu * v instead of (1 + mu) * v.",
    ),
    # ------------------------------------------------------------------ adagrad
    Mutant(
        cell="adagrad",
        old="cache = cache + dw**2",
        new="cache = dw**2",
        why="My cache holds only the current squared gradient (not accumulated).",
    ),
    Mutant(
        cell="adagrad",
        old='(np.sqrt(cache) + config["epsilon"])',
        new='np.sqrt(cache + config["epsilon"])',
        why="I put epsilon inside the square root.",
    ),
    Mutant(
        cell="adagrad",
        old='(np.sqrt(cache) + config["epsilon"])',
        new='(cache + config["epsilon"])',
        why="I divided by the cache, not its square root.",
    ),
    Mutant(
        cell="adagrad",
        old='    config["cache"] = cache\n',
        new="",
        why="I did not store the cache.",
    ),
    # ------------------------------------------------------------------ rmsprop
    Mutant(
        cell="rmsprop",
        old='(np.sqrt(cache) + config["epsilon"])',
        new='np.sqrt(cache + config["epsilon"])',
        why="I put epsilon inside the square root.",
    ),
    Mutant(
        cell="rmsprop",
        old="cache = rho * cache + (1 - rho) * dw**2",
        new="cache = (1 - rho) * cache + rho * dw**2",
        why="I swapped decay_rate and 1 - decay_rate.",
    ),
    Mutant(
        cell="rmsprop",
        old="cache = rho * cache + (1 - rho) * dw**2",
        new="cache = rho * cache + dw**2",
        why="I forgot the (1 - decay_rate) factor on the new squared gradient.",
    ),
    Mutant(
        cell="rmsprop",
        old='    config["cache"] = cache\n',
        new="",
        why="I did not store the cache.",
    ),
    # ------------------------------------------------------------------ adam
    Mutant(
        cell="adam",
        old="    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
        new="    m_hat = m\n    v_hat = v\n",
        why="I left out the bias correction.",
    ),
    Mutant(
        cell="adam",
        old='    config["t"] = config.get("t", 0) + 1\n    t = config["t"]\n',
        new='    t = config.get("t", 0)\n    config["t"] = t + 1\n',
        why="I incremented t after using it (the first step divides by 1 - beta**0 = 0).",
    ),
    Mutant(
        cell="adam",
        old="v_hat = v / (1 - beta2**t)",
        new="v_hat = v",
        why="I corrected the first moment only.",
    ),
    Mutant(
        cell="adam",
        old='(np.sqrt(v_hat) + config["epsilon"])',
        new='np.sqrt(v_hat + config["epsilon"])',
        why="I put epsilon inside the square root (a tiny change: caught against torch.optim.Adam).",
    ),
    Mutant(
        cell="adam",
        old='config["m"], config["v"] = m, v',
        new='config["m"], config["v"] = m_hat, v_hat',
        why="I stored the bias-corrected moments as the state.",
    ),
    Mutant(
        cell="adam",
        old="    m = (1 - beta1) * dw + beta1 * m\n",
        new="    m = (1 - beta2) * dw + beta2 * m\n",
        why="I used beta2 for the first moment.",
    ),
    # ------------------------------------------------------------------ xavier_init
    Mutant(
        cell="xavier_init",
        old="np.sqrt(2.0 / (fan_in + fan_out))",
        new="np.sqrt(1.0 / fan_in)",
        why="I scaled by fan_in only (LeCun's variance 1 / fan_in).",
    ),
    Mutant(
        cell="xavier_init",
        old="np.sqrt(2.0 / (fan_in + fan_out))",
        new="2.0 / (fan_in + fan_out)",
        why="I used the variance as the standard deviation.",
    ),
    Mutant(
        cell="xavier_init",
        old="    W = rng.standard_normal((fan_in, fan_out)) * std\n",
        new="    W = rng.standard_normal((fan_out, fan_in)) * std\n",
        why="I made the weight (fan_out, fan_in), PyTorch's layout.",
    ),
    Mutant(
        cell="xavier_init",
        old="    W = rng.standard_normal((fan_in, fan_out)) * std\n",
        new="    W = rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, (fan_in, fan_out))\n",
        why="I drew from a uniform distribution instead of the normal one asked for.",
    ),
    Mutant(
        cell="xavier_init",
        old="    W = rng.standard_normal((fan_in, fan_out)) * std\n",
        new="    W = np.random.default_rng(0).standard_normal((fan_in, fan_out)) * std\n",
        why="I made my own generator instead of using rng.",
    ),
    # ------------------------------------------------------------------ he_init
    Mutant(
        cell="he_init",
        old="np.sqrt(2.0 / fan_in)",
        new="np.sqrt(1.0 / fan_in)",
        why="I forgot the factor 2 for the ReLU.",
    ),
    Mutant(
        cell="he_init",
        old="np.sqrt(2.0 / fan_in)",
        new="np.sqrt(2.0 / fan_out)",
        why="I scaled by fan_out.",
    ),
    Mutant(
        cell="he_init",
        old="np.sqrt(2.0 / fan_in)",
        new="np.sqrt(2.0 / (fan_in + fan_out))",
        why="I used Xavier's variance.",
    ),
    Mutant(
        cell="he_init",
        old="np.sqrt(2.0 / fan_in)",
        new="2.0 / fan_in",
        why="I used the variance as the standard deviation.",
    ),
    # ------------------------------------------------------------------ CourseSGD
    Mutant(
        cell="CourseSGD",
        old="v.mul_(mu).add_(dw, alpha=-lr)",
        new="v.mul_(mu).add_(dw, alpha=lr)",
        why="I flipped the sign of the velocity update.",
    ),
    Mutant(
        cell="CourseSGD",
        old=(
            '                if group["nesterov"]:\n'
            "                    p.add_(v, alpha=-mu)  # the old velocity's part, - momentum * v_prev, before v changes\n"
            "                v.mul_(mu).add_(dw, alpha=-lr)  # v <- momentum * v - lr * dw, in place in self.state[p]\n"
            '                p.add_(v, alpha=1 + mu if group["nesterov"] else 1.0)\n'
        ),
        new=(
            "                v.mul_(mu).add_(dw)\n"
            '                p.add_(dw + mu * v if group["nesterov"] else v, alpha=-lr)\n'
        ),
        why="I kept PyTorch's momentum buffer as the velocity (same iterates, other state).",
    ),
    Mutant(
        cell="CourseSGD",
        old="else p.grad + wd * p",
        new="else p.grad",
        why="I ignored weight_decay (hidden only).",
    ),
    Mutant(
        cell="CourseSGD",
        old=(
            '                if group["nesterov"]:\n'
            "                    p.add_(v, alpha=-mu)  # the old velocity's part, - momentum * v_prev, before v changes\n"
        ),
        new="",
        why="My Nesterov step forgets the - momentum * v_prev part.",
    ),
    Mutant(
        cell="CourseSGD",
        old="                v.mul_(mu).add_(dw, alpha=-lr)",
        new="                v = mu * v - lr * dw",
        why="I computed the new velocity out of place and never stored it in self.state[p].",
    ),
    Mutant(
        cell="CourseSGD",
        old="alpha=1 + mu if",
        new="alpha=mu if",
        why="I moved by momentum * v instead of (1 + momentum) * v in the Nesterov step.",
    ),
    Mutant(
        cell="CourseSGD",
        old="                    p.add_(dw, alpha=-lr)\n",
        new="                    p = p - lr * dw\n",
        why="I rebound p to a new tensor instead of updating the parameter in place.",
    ),
    # ------------------------------------------------------------------ CourseAdagrad
    Mutant(
        cell="CourseAdagrad",
        old="cache.addcmul_(dw, dw)",
        new="cache.copy_(dw * dw)",
        why="My cache holds only the current squared gradient (not accumulated).",
    ),
    Mutant(
        cell="CourseAdagrad",
        old="cache.sqrt().add_(eps)",
        new="cache.add(eps).sqrt()",
        why="I put eps inside the square root.",
    ),
    Mutant(
        cell="CourseAdagrad",
        old="else p.grad + wd * p",
        new="else p.grad",
        why="I ignored weight_decay (hidden only).",
    ),
    Mutant(
        cell="CourseAdagrad",
        old="cache.sqrt().add_(eps)",
        new="cache.add(eps)",
        why="I divided by the cache, not its square root.",
    ),
    Mutant(
        cell="CourseAdagrad",
        old="cache.sqrt().add_(eps)",
        new="cache.sqrt_().add_(eps)",
        why="I took the square root in place, overwriting the cache.",
    ),
    # ------------------------------------------------------------------ CourseRMSprop
    Mutant(
        cell="CourseRMSprop",
        old="cache.sqrt().add_(eps)",
        new="cache.add(eps).sqrt()",
        why="I put eps inside the square root.",
    ),
    Mutant(
        cell="CourseRMSprop",
        old="cache.mul_(rho).addcmul_(dw, dw, value=1 - rho)",
        new="cache.mul_(1 - rho).addcmul_(dw, dw, value=rho)",
        why="I swapped decay_rate and 1 - decay_rate.",
    ),
    Mutant(
        cell="CourseRMSprop",
        old="else p.grad + wd * p",
        new="else p.grad",
        why="I ignored weight_decay (hidden only).",
    ),
    Mutant(
        cell="CourseRMSprop",
        old="cache.mul_(rho).addcmul_(dw, dw, value=1 - rho)",
        new="cache.mul_(rho).addcmul_(dw, dw)",
        why="I forgot the (1 - decay_rate) factor on the new squared gradient.",
    ),
    Mutant(
        cell="CourseRMSprop",
        old='                cache = state["cache"]\n',
        new='                cache = state["cache"].clone()\n',
        why="I updated a copy of the cache and never stored it in self.state[p].",
    ),
    # ------------------------------------------------------------------ CourseAdam
    Mutant(
        cell="CourseAdam",
        old="                m_hat = m / (1 - beta1**t)\n                v_hat = v / (1 - beta2**t)\n",
        new="                m_hat = m\n                v_hat = v\n",
        why="I left out the bias correction.",
    ),
    Mutant(
        cell="CourseAdam",
        old='                state["t"] += 1\n                t = state["t"]\n',
        new='                t = state["t"]\n                state["t"] += 1\n',
        why="I incremented t after using it.",
    ),
    Mutant(
        cell="CourseAdam",
        old="else p.grad + wd * p",
        new="else p.grad",
        why="I ignored weight_decay (hidden only).",
    ),
    Mutant(
        cell="CourseAdam",
        old="v_hat.sqrt().add_(eps)",
        new="v_hat.add(eps).sqrt()",
        why="I put eps inside the square root.",
    ),
    Mutant(
        cell="CourseAdam",
        old="m.mul_(beta1).add_(dw, alpha=1 - beta1)",
        new="m.mul_(beta2).add_(dw, alpha=1 - beta2)",
        why="I used beta2 for the first moment.",
    ),
    Mutant(
        cell="CourseAdam",
        old="                if not state:\n",
        new="                if True:\n",
        why="I reset the moments and the step count on every step.",
    ),
    Mutant(
        cell="CourseAdam",
        old="v_hat = v / (1 - beta2**t)",
        new="v_hat = v / (1 - beta1**t)",
        why="I corrected the second moment with beta1.",
    ),
    # ------------------------------------------------------------------ warmup_cosine
    Mutant(
        cell="warmup_cosine",
        old="return float(base_lr * (step + 1) / warmup_steps)",
        new="return float(base_lr * step / warmup_steps)",
        why="My warm-up starts at 0 (off by one step).",
    ),
    Mutant(
        cell="warmup_cosine",
        old="progress = (step - warmup_steps) / (total_steps - warmup_steps)",
        new="progress = step / total_steps",
        why="I ran the cosine over all the steps, warm-up included.",
    ),
    Mutant(
        cell="warmup_cosine",
        old="min_lr + 0.5 * (base_lr - min_lr) *",
        new="0.5 * base_lr *",
        why="I ignored min_lr in the cosine.",
    ),
    Mutant(
        cell="warmup_cosine",
        old="    if step >= total_steps:\n        return float(min_lr)\n",
        new="",
        why="After total_steps my cosine comes back up.",
    ),
    Mutant(
        cell="warmup_cosine",
        old="(1.0 + np.cos(np.pi * progress))",
        new="np.cos(np.pi * progress)",
        why="I forgot the 1 + in the cosine.",
    ),
]


EVALUATORS = {
    "digits_mlp": Evaluator(
        predict=relu_mlp_predict,
        data=perturbed_digits,
        describe="the two-layer ReLU MLP (W1, b1, W2, b2) on the digits' validation split with pixel noise",
        param_shapes={"W1": (64, None), "b1": (None,), "W2": (None, 10), "b2": (10,)},
    ),
}
