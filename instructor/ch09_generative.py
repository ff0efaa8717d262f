"""Typical mistakes in chapter 09 (generative models): each must lose points when graded.

Mistakes of stability (a naive ``log(sigmoid(l))``, ``exp`` of a positive number) give ``inf`` or
``nan`` at logits of +-1000 and fail the visible large-logit checks (and the hidden ones at
+-1e3). Missing factors, wrong signs and wrong targets fail the visible checks right after the
edited cell. ``reparameterize_backward``'s test builds its cache with the student's forward (said
in the notebook), so mistakes of the forward also cost points there. The VAE and the GAN steps use
``BCEWithLogitsFunction`` (said in the notebook); their own mistakes are caught by their tests,
which compare against the built-in ``F.binary_cross_entropy_with_logits``.

Trusted evaluators:

* ``digits_vae``: the fraction of noisy held-out digits (``instructor.perturbed_digits``) whose
  VAE reconstruction (decoder at the encoder's mean) has a mean squared pixel error at most 0.8
  times that of the mean training digit. One prediction per digit, 1 when reconstructed; the
  labels are all ones, so the "accuracy" is that fraction.
* ``mixture_modes``: the generator (``MLP`` with parameters W1, b1, W2, b2, W3, b3, noise of
  dimension 4) applied to 2000 standard normal draws from the grader's seed; one prediction per
  mode of the 8-Gaussian ring, 1 when at least 2% of the points lie within 3 standard deviations
  of its centre (``course.generative.modes_covered``); labels all ones.
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant, perturbed_digits

NOTEBOOK = "solutions/09_generative/generative.ipynb"

NOISE_DIM = 4  # the notebook's noise_dim
RECONSTRUCTION_FACTOR = 0.8  # "reconstructed": squared error <= 0.8 x the mean digit's

MUTANTS = [
    # ------------------------------------------------------------------ bce_with_logits
    Mutant(
        cell="bce_with_logits",
        old="    loss = float(np.mean(np.maximum(logits, 0.0) - targets * logits + np.log1p(e)))\n",
        new="    loss = float(-np.mean(targets * np.log(sig) + (1 - targets) * np.log(1 - sig)))\n",
        why="I computed log(sigmoid(l)) and log(1 - sigmoid(l)) directly (log 0 = -inf for large logits).",
    ),
    Mutant(
        cell="bce_with_logits",
        old="e = np.exp(-np.abs(logits))",
        new="e = np.exp(-logits)",
        why="I wrote log(1 + e^-l) without the absolute value (exp overflows for large negative logits).",
    ),
    Mutant(
        cell="bce_with_logits",
        old="dlogits = (sig - targets) / logits.size",
        new="dlogits = sig - targets",
        why="I forgot to divide the gradient by the number of entries.",
    ),
    Mutant(
        cell="bce_with_logits",
        old="dlogits = (sig - targets) / logits.size",
        new="dlogits = (sig - targets) / logits.shape[0]",
        why="I divided the gradient by the batch size instead of the number of entries.",
    ),
    Mutant(
        cell="bce_with_logits",
        old="dlogits = (sig - targets) / logits.size",
        new="dlogits = (targets - sig) / logits.size",
        why="My gradient has the wrong sign (t - sigmoid(l)).",
    ),
    Mutant(
        cell="bce_with_logits",
        old="np.maximum(logits, 0.0) - targets * logits + np.log1p(e)",
        new="-targets * logits + np.log1p(e)",
        why="I dropped the max(l, 0) of the stable softplus.",
    ),
    # ------------------------------------------------------------------ gan_discriminator_loss
    Mutant(
        cell="gan_discriminator_loss",
        old="bce(fake_logits, 0.0)",
        new="bce(fake_logits, 1.0)",
        why="I gave the fake samples target 1 in the discriminator's loss.",
    ),
    Mutant(
        cell="gan_discriminator_loss",
        old="        loss = np.mean(np.maximum(logits, 0.0) - target * logits + np.log1p(e))\n",
        new="        loss = -np.mean(target * np.log(sig) + (1 - target) * np.log(1 - sig))\n",
        why="I took the log of sigmoid(l) directly (inf for logits of 1000).",
    ),
    Mutant(
        cell="gan_discriminator_loss",
        old="loss = float(loss_real + loss_fake)",
        new="loss = float(0.5 * (loss_real + loss_fake))",
        why="I averaged the real and the fake terms instead of adding them.",
    ),
    Mutant(
        cell="gan_discriminator_loss",
        old="return loss, (sig - target) / logits.size",
        new="return loss, sig - target",
        why="I forgot the 1/N and 1/M in the gradients.",
    ),
    Mutant(
        cell="gan_discriminator_loss",
        old="loss_real, d_real = bce(real_logits, 1.0)",
        new="loss_real, d_real = bce(real_logits, 0.0)",
        why="I gave the real samples target 0.",
    ),
    # ------------------------------------------------------------------ gan_generator_loss
    Mutant(
        cell="gan_generator_loss",
        old="    if non_saturating:\n",
        new="    if not non_saturating:\n",
        why="I used the saturating loss where the non-saturating one was asked for (and the other way round).",
    ),
    Mutant(
        cell="gan_generator_loss",
        old="        loss = -np.mean(np.maximum(fake_logits, 0.0) + np.log1p(e))  # log(1 - sigmoid(f)) = -sp(f)\n        d_fake = -sig / m\n",
        new="        loss = np.mean(np.maximum(fake_logits, 0.0) + np.log1p(e))\n        d_fake = sig / m\n",
        why="My saturating loss is -log(1 - D(G(z))), the discriminator's fake term: the generator would push D(G(z)) down.",
    ),
    Mutant(
        cell="gan_generator_loss",
        old="        loss = np.mean(np.maximum(-fake_logits, 0.0) + np.log1p(e))  # -log sigmoid(f) = sp(-f)\n",
        new="        loss = -np.mean(np.log(sig))\n",
        why="I computed the non-saturating loss as -log(sigmoid(f)) directly (inf for f = -1000).",
    ),
    Mutant(
        cell="gan_generator_loss",
        old="        d_fake = (sig - 1.0) / m\n",
        new="        d_fake = sig - 1.0\n",
        why="I forgot the 1/M in the non-saturating gradient.",
    ),
    Mutant(
        cell="gan_generator_loss",
        old="        d_fake = (sig - 1.0) / m\n",
        new="        d_fake = (1.0 - sig) / m\n",
        why="My non-saturating gradient has the wrong sign.",
    ),
    # ------------------------------------------------------------------ gaussian_kl
    Mutant(
        cell="gaussian_kl",
        old="kl = float(0.5 * np.sum(",
        new="kl = float(np.sum(",
        why="I forgot the 1/2 in the KL.",
    ),
    Mutant(
        cell="gaussian_kl",
        old="dlogvar = 0.5 * (var - 1.0) / n",
        new="dlogvar = (var - 1.0) / n",
        why="I forgot the 1/2 in the gradient with respect to logvar.",
    ),
    Mutant(
        cell="gaussian_kl",
        old="kl = float(0.5 * np.sum(mu**2 + var - 1.0 - logvar) / n)",
        new="kl = float(-0.5 * np.sum(mu**2 + var - 1.0 - logvar) / n)",
        why="My KL has the wrong sign (it is the ELBO's term, -KL).",
    ),
    Mutant(
        cell="gaussian_kl",
        old="kl = float(0.5 * np.sum(mu**2 + var - 1.0 - logvar) / n)",
        new="kl = float(0.5 * np.sum(mu**2 + var - 1.0 - logvar) / mu.size)",
        why="I averaged over the latent dimensions too, instead of summing over them.",
    ),
    Mutant(
        cell="gaussian_kl",
        old="var = np.exp(logvar)",
        new="var = logvar**2",
        why="I treated logvar as the standard deviation (variance = logvar^2).",
    ),
    Mutant(
        cell="gaussian_kl",
        old="    dmu = mu / n\n",
        new="    dmu = mu\n",
        why="I forgot the 1/N in the gradient with respect to mu.",
    ),
    # ------------------------------------------------------------------ reparameterize_forward
    Mutant(
        cell="reparameterize_forward",
        old="std = np.exp(0.5 * logvar)",
        new="std = logvar",
        why="I multiplied the noise by logvar where the standard deviation belongs.",
    ),
    Mutant(
        cell="reparameterize_forward",
        old="std = np.exp(0.5 * logvar)",
        new="std = np.exp(logvar)",
        why="I multiplied the noise by the variance exp(logvar) instead of the standard deviation.",
    ),
    Mutant(
        cell="reparameterize_forward",
        old="z = mu + std * eps",
        new="z = std * eps",
        why="I forgot to add the mean.",
    ),
    Mutant(
        cell="reparameterize_forward",
        old="std = np.exp(0.5 * logvar)",
        new="std = np.sqrt(np.abs(logvar))",
        why="I took the square root of logvar as the standard deviation.",
    ),
    # ------------------------------------------------------------------ reparameterize_backward
    Mutant(
        cell="reparameterize_backward",
        old="dlogvar = 0.5 * dz * eps * std",
        new="dlogvar = dz * eps * std",
        why="I forgot the 1/2 from d exp(logvar / 2) / d logvar.",
    ),
    Mutant(
        cell="reparameterize_backward",
        old="dlogvar = 0.5 * dz * eps * std",
        new="dlogvar = dz * eps",
        why="I differentiated z with respect to the standard deviation, not the log-variance.",
    ),
    Mutant(
        cell="reparameterize_backward",
        old="    dmu = dz\n",
        new="    dmu = dz * std\n",
        why="I scaled the gradient of the mean by the standard deviation.",
    ),
    Mutant(
        cell="reparameterize_backward",
        old="dlogvar = 0.5 * dz * eps * std",
        new="dlogvar = 0.5 * dz * std",
        why="I left the noise eps out of the gradient with respect to logvar.",
    ),
    # ------------------------------------------------------------------ BCEWithLogitsFunction
    Mutant(
        cell="BCEWithLogitsFunction",
        old="scale = dout / logits.numel()",
        new="scale = 1.0 / logits.numel()",
        why="My backward ignores the upstream gradient dout.",
    ),
    Mutant(
        cell="BCEWithLogitsFunction",
        old="scale = dout / logits.numel()",
        new="scale = dout",
        why="I forgot to divide by the number of entries in backward.",
    ),
    Mutant(
        cell="BCEWithLogitsFunction",
        old="scale = dout / logits.numel()",
        new="scale = dout / logits.shape[0]",
        why="I divided by the batch size instead of the number of entries in backward.",
    ),
    Mutant(
        cell="BCEWithLogitsFunction",
        old="        loss = (logits.clamp(min=0) - targets * logits + torch.log1p(e)).mean()\n",
        new="        p = torch.sigmoid(logits)\n        loss = -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()\n",
        why="My forward takes the log of sigmoid(l) (inf or nan for logits of 1000).",
    ),
    Mutant(
        cell="BCEWithLogitsFunction",
        old="dtargets = -logits * scale if ctx.needs_input_grad[1] else None",
        new="dtargets = None",
        why="I returned no gradient for the targets.",
    ),
    Mutant(
        cell="BCEWithLogitsFunction",
        old="        logits, targets = ctx.saved_tensors\n",
        new="        logits, targets = ctx.saved_tensors\n        logits = logits.detach().requires_grad_(True)\n",
        why="I made a saved tensor require grad in backward, to let autograd help.",
    ),
    # ------------------------------------------------------------------ VAE
    Mutant(
        cell="VAE",
        old="z = mu + torch.exp(0.5 * logvar) * eps",
        new="z = mu + logvar * eps",
        why="My reparameterisation multiplies the noise by logvar instead of the standard deviation.",
    ),
    Mutant(
        cell="VAE",
        old="recon = x.shape[1] * BCEWithLogitsFunction.apply(self.decode(z), x)",
        new="recon = BCEWithLogitsFunction.apply(self.decode(z), x)",
        why="I used the mean BCE over the pixels as the reconstruction term (forgot the factor D).",
    ),
    Mutant(
        cell="VAE",
        old="kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1).mean()",
        new="kl = -0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1).mean()",
        why="My KL term has the wrong sign.",
    ),
    Mutant(
        cell="VAE",
        old="self.decode(z), x)",
        new="self.decode(mu), x)",
        why="I decoded the mean instead of the sample z (no noise in training).",
    ),
    Mutant(
        cell="VAE",
        old=".sum(dim=1).mean()",
        new=".mean()",
        why="I averaged the KL over the latent dimensions instead of summing.",
    ),
    Mutant(
        cell="VAE",
        old="return h @ self.mu_W + self.mu_b, h @ self.logvar_W + self.logvar_b",
        new="return h @ self.logvar_W + self.logvar_b, h @ self.mu_W + self.mu_b",
        why="My encoder returns the two heads in the wrong order (logvar, mu).",
    ),
    Mutant(
        cell="VAE",
        old="return torch.relu(z @ self.dec_W + self.dec_b) @ self.out_W + self.out_b",
        new="return torch.sigmoid(torch.relu(z @ self.dec_W + self.dec_b) @ self.out_W + self.out_b)",
        why="My decoder applies a sigmoid, and the loss applies another one.",
    ),
    # ------------------------------------------------------------------ gan_steps
    Mutant(
        cell="gan_steps",
        old="BCEWithLogitsFunction.apply(fake_logits, torch.zeros_like(fake_logits))\n    opt_d",
        new="BCEWithLogitsFunction.apply(fake_logits, torch.ones_like(fake_logits))\n    opt_d",
        why="The discriminator's fake term has target 1 instead of 0.",
    ),
    Mutant(
        cell="gan_steps",
        old="    if non_saturating:\n",
        new="    if not non_saturating:\n",
        why="I used the saturating loss where the non-saturating one was asked for.",
    ),
    Mutant(
        cell="gan_steps",
        old="        loss = -BCEWithLogitsFunction.apply(fake_logits, torch.zeros_like(fake_logits))\n",
        new="        loss = BCEWithLogitsFunction.apply(fake_logits, torch.zeros_like(fake_logits))\n",
        why="My saturating generator loss is +BCE(D(G(z)), 0): the generator learns to look fake.",
    ),
    Mutant(
        cell="gan_steps",
        old="    opt_d.zero_grad()\n",
        new="",
        why="I forgot to clear the discriminator's gradients, so they add up over the steps.",
    ),
    Mutant(
        cell="gan_steps",
        old="fake = G(z).detach()",
        new="fake = G(z)",
        why="I did not detach the fakes in the discriminator's step (its backward pass runs into the generator).",
    ),
    Mutant(
        cell="gan_steps",
        old="    opt_g.zero_grad()\n    loss.backward()\n    opt_g.step()\n",
        new="    opt_g.step()\n    opt_g.zero_grad()\n    loss.backward()\n",
        why="I stepped the generator's optimizer before back-propagating (each step uses the previous gradient).",
    ),
    Mutant(
        cell="gan_steps",
        old="    opt_g.zero_grad()\n",
        new="",
        why="I forgot to clear the generator's gradients, so they add up over the steps.",
    ),
]


# --------------------------------------------------------------------------- trusted evaluators


def _relu(x):
    return np.maximum(x, 0.0)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_MEAN_DIGIT: list[np.ndarray] = []


def _mean_training_digit() -> np.ndarray:
    if not _MEAN_DIGIT:
        from course.data import load_digits

        train, _ = load_digits()
        _MEAN_DIGIT.append(train.X.mean(axis=0))
    return _MEAN_DIGIT[0]


def _vae_reconstructed(params: dict, X: np.ndarray) -> np.ndarray:
    """1 where the reconstruction at the latent mean beats the mean training digit by 20%, else 0."""
    X = np.asarray(X, dtype=np.float64)
    h = _relu(X @ params["enc_W"] + params["enc_b"])
    mu = h @ params["mu_W"] + params["mu_b"]
    logits = _relu(mu @ params["dec_W"] + params["dec_b"]) @ params["out_W"] + params["out_b"]
    err = np.mean((_sigmoid(logits) - X) ** 2, axis=1)
    baseline = np.mean((X - _mean_training_digit()) ** 2, axis=1)
    return (err <= RECONSTRUCTION_FACTOR * baseline).astype(np.int64)


def _vae_data(seed: int):
    X, _ = perturbed_digits(seed)
    return X, np.ones(len(X), dtype=np.int64)


def _generator_modes(params: dict, Z: np.ndarray) -> np.ndarray:
    """The generator MLP on the noise Z (n, 4), then which of the 8 modes its points cover."""
    from course.generative import modes_covered

    h = _relu(np.asarray(Z, dtype=np.float64) @ params["W1"] + params["b1"])
    h = _relu(h @ params["W2"] + params["b2"])
    return modes_covered(h @ params["W3"] + params["b3"])


def _noise_data(seed: int):
    from course.generative import N_MODES

    Z = np.random.default_rng(seed).standard_normal((2000, NOISE_DIM))
    return Z, np.ones(N_MODES, dtype=np.int64)


EVALUATORS = {
    "digits_vae": Evaluator(
        predict=_vae_reconstructed,
        data=_vae_data,
        describe=(
            "the fraction of noisy held-out digits whose VAE reconstruction (decoder at the encoder's "
            "mean) has at most 0.8 times the squared error of the mean training digit"
        ),
        param_shapes={
            "enc_W": (64, None),
            "enc_b": (None,),
            "mu_W": (None, None),
            "mu_b": (None,),
            "logvar_W": (None, None),
            "logvar_b": (None,),
            "dec_W": (None, None),
            "dec_b": (None,),
            "out_W": (None, 64),
            "out_b": (64,),
        },
    ),
    "mixture_modes": Evaluator(
        predict=_generator_modes,
        data=_noise_data,
        describe="the fraction of the 8 modes of the ring that a generator covers on 2000 noise draws of the grader's",
        param_shapes={
            "W1": (NOISE_DIM, None),
            "b1": (None,),
            "W2": (None, None),
            "b2": (None,),
            "W3": (None, 2),
            "b3": (2,),
        },
    ),
}
