"""Each chapter's benchmark rows, one module per chapter: ``bench/rows/ch<NN_topic>.py``.

A module registers its rows with ``bench.layers.layer``/``custom`` when imported. :func:`load`
imports every module here (no list of chapters anywhere): a new chapter adds its rows by adding
its module. A row whose chapter has no solution notebook yet says so in the table.
"""

from __future__ import annotations

import importlib
import pkgutil


def load() -> list[str]:
    """Import every chapter's row module (registering its rows); returns the module names."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch"))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return names
