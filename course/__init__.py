"""Helpers shared by the notebooks of *Deep Learning, Twice*.

Shared machinery, written once:
``checks`` (the checking API of every test cell), ``verdicts`` (comparisons that explain a
difference), ``records`` (the record format and the trusted reference records), ``testing``
(autograd oracles and the hand-written-backward check for the PyTorch parts), ``train`` (the
training loop), ``gradcheck`` (numeric gradients), ``data`` (digits, gensim corpora, seeded
generators), ``device`` (CUDA when present), ``plotting`` (the shared style: training curves),
``widgets`` (``show`` a figure, ``interactive`` controls around a figure function),
``progress`` (progress bars).

One module per chapter holds that chapter's figures, explorers and synthetic data, named after
its topic: ``backprop`` (01), ``softmax`` (02), ``optimization`` (03), ``regularization`` (04),
``convolution`` (05), ``lstm`` (06), ``word2vec`` (07), ``attention`` (08).
No reference solution lives here; nothing here imports ``autograder`` or ``instructor``.
"""

__version__ = "0.1.0"
