"""Helpers shared by the notebooks of *Deep Learning, Twice*.

Modules: ``checks`` (the checking API of every test cell), ``reference`` (where hidden checks
find their expected values on the instructor's machine), ``gradcheck`` (numeric gradients),
``data`` (digits, gensim corpora, seeded generators), ``device`` (CUDA when present),
``plotting`` and ``widgets`` (figures as pure functions, controls around them),
``activations`` (the lectures' numeric helpers), ``progress`` (progress bars).
No reference solution lives here.
"""

__version__ = "0.1.0"
