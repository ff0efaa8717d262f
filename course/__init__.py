"""Helpers shared by the notebooks of *Deep Learning, Twice*.

Modules: ``checks`` (the checking API of every test cell), ``reference`` (where hidden checks
find their expected values on the instructor's machine), ``gradcheck`` (numeric gradients),
``data`` (digits, gensim corpora, seeded generators), ``device`` (CUDA when present),
``plotting`` (the shared style: training curves), ``widgets`` (``show`` a figure,
``interactive`` controls around a figure function), ``progress`` (progress bars).
One module per chapter holds that chapter's figures, explorers and synthetic data, named after
its topic: ``backprop`` (chapter 01) ...
No reference solution lives here.
"""

__version__ = "0.1.0"
