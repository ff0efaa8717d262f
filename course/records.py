"""The record format: how a checked value travels from a kernel to the grader, and the one
place that reads the trusted reference records.

* :func:`encode` / :func:`decode`: a value as JSON (never pickle): arrays as dtype, shape and
  base64 bytes; nesting, sizes and dtypes bounded; anything else is :class:`Unsupported`.
* :class:`Recorder`: the kernel side, one JSON line per recorded check (the grader rewrites
  every ``check(...)`` of a test cell into a call of ``Recorder.record``).
* :func:`load_reference` / :func:`lookup`: the trusted reference run's records, decoded, as
  :class:`ReferenceCheck` objects. ``autograder`` and the self-check mode of ``course.checks``
  both read them through here.
"""

from __future__ import annotations

import base64
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MAX_RECORD_BYTES = 16 * 1024 * 1024  # one recorded value, encoded
MAX_DEPTH = 8
MAX_ITEMS = 256  # entries of one list or dict
MAX_NDIM = 32


def _to_numpy(value: Any) -> Any:
    """Torch tensors (any device) and array-likes become NumPy arrays; others pass through."""
    mod = type(value).__module__
    if mod.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value


def encode(value: Any, _depth: int = 0) -> dict:
    """Turn a check's ``actual`` into a JSON-safe dict.

    Supports NumPy arrays and scalars, torch tensors, Python numbers and bools, ``None``,
    strings, and (nested) tuples, lists and dicts of those. Anything else is recorded as
    unsupported (and will not match a reference value).
    """
    if _depth > MAX_DEPTH:
        return {"t": "unsupported", "type": "nesting too deep"}
    value = _to_numpy(value)
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool | np.bool_):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return {"t": "array", "dtype": "int64", "shape": [], "b64": _b64(np.asarray(value, np.int64))}
    if isinstance(value, float | np.floating):
        return {"t": "array", "dtype": "float64", "shape": [], "b64": _b64(np.asarray(value, np.float64))}
    if isinstance(value, str):
        return {"t": "str", "v": value[:10000]}
    if isinstance(value, np.ndarray):
        arr = value
        if arr.dtype == object:
            return {"t": "unsupported", "type": "object array"}
        if arr.dtype.kind == "b":
            arr = arr.astype(np.bool_)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "f":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind == "c":
            arr = arr.astype(np.complex128)
        else:
            return {"t": "unsupported", "type": f"array of {arr.dtype}"}
        if arr.nbytes > MAX_RECORD_BYTES:
            return {"t": "unsupported", "type": f"array too large ({arr.nbytes} bytes)"}
        return {"t": "array", "dtype": str(arr.dtype), "shape": list(arr.shape), "b64": _b64(arr)}
    if isinstance(value, Mapping):
        return {
            "t": "dict",
            "items": {str(k): encode(v, _depth + 1) for k, v in list(value.items())[:MAX_ITEMS]},
        }
    if isinstance(value, Sequence):
        return {"t": "list", "items": [encode(v, _depth + 1) for v in list(value)[:MAX_ITEMS]]}
    return {"t": "unsupported", "type": type(value).__name__}


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


_ALLOWED_DTYPES = {"int64", "float64", "bool", "complex128"}


def decode(d: Any) -> Any:
    """Inverse of :func:`encode`. Rejects anything malformed with ``ValueError``."""
    if not isinstance(d, dict) or "t" not in d:
        raise ValueError("malformed record value")
    t = d["t"]
    if t == "none":
        return None
    if t == "bool":
        return bool(d["v"])
    if t == "str":
        return str(d["v"])
    if t == "array":
        dtype = d["dtype"]
        if dtype not in _ALLOWED_DTYPES:
            raise ValueError(f"unexpected dtype {dtype!r}")
        shape = tuple(int(s) for s in d["shape"])
        raw = base64.b64decode(d["b64"], validate=True)
        arr = np.frombuffer(raw, dtype=np.dtype(dtype)).copy()
        if arr.size != math.prod(shape):
            raise ValueError("array size does not match its shape")
        return arr.reshape(shape)
    if t == "list":
        return [decode(v) for v in d["items"]]
    if t == "dict":
        return {str(k): decode(v) for k, v in d["items"].items()}
    if t == "unsupported":
        return Unsupported(str(d.get("type", "?")))
    raise ValueError(f"unknown record type {t!r}")


class Unsupported:
    """Stands for a value that could not be recorded (an unknown type, a huge array)."""

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<unsupported: {self.what}>"


@dataclass
class ReferenceCheck:
    """One check as the trusted reference run declared it."""

    cell: str  # grade id of the test cell
    name: str
    kind: str  # check | bound | accuracy | model
    declared: dict = field(default_factory=dict)  # expected, rtol/atol, lower/upper, hidden, ...

    @property
    def hidden(self) -> bool:
        return bool(self.declared.get("hidden", False))


def reference_checks(data: Mapping) -> list[ReferenceCheck]:
    """Decode the records of one reference file (``autograder.reference`` writes them)."""
    out = []
    for rec in data.get("records", []):
        declared = {k: decode(v) for k, v in rec.get("declared", {}).items()}
        declared["expected"] = decode(rec["value"])
        out.append(ReferenceCheck(cell=rec["cell"], name=rec["name"], kind=rec["kind"], declared=declared))
    return out


def load_reference(path: str | os.PathLike) -> list[ReferenceCheck]:
    """The decoded checks of one reference file."""
    return reference_checks(json.loads(Path(path).read_text(encoding="utf-8")))


class Recorder:
    """Appends one JSON line per recorded check to ``path`` (the grader reads it afterwards).

    ``declare=True`` (the trusted reference run) also records the declared tolerances, bounds
    and labels; the student's run records only the actual value.
    """

    _DECLARED = {
        "check": ("rtol", "atol"),
        "bound": ("lower", "upper"),
        "accuracy": ("labels", "lower"),
        "model": ("lower", "evaluator"),
    }

    def __init__(self, path: str | os.PathLike, declare: bool = False):
        self.path = Path(path)
        self.declare = declare
        self.seq = 0

    def record(self, cell: str, kind: str, name: Any, actual: Any, **declared: Any) -> None:
        self.seq += 1
        try:
            value = encode(actual)
        except Exception as exc:  # noqa: BLE001 - a broken value is still evidence (of failure)
            value = {"t": "unsupported", "type": f"error while recording: {type(exc).__name__}"}
        rec: dict[str, Any] = {
            "seq": self.seq,
            "cell": str(cell),
            "kind": str(kind),
            "name": str(name),
            "value": value,
        }
        if self.declare:
            rec["declared"] = {
                k: encode(declared[k])
                for k in (*self._DECLARED.get(kind, ()), "hidden")
                if declared.get(k) is not None
            }
        line = json.dumps(rec, separators=(",", ":"))
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


# --------------------------------------------------------------------------- reference look-up (self-check mode)

DATA_DIRNAME = ".course-data"


def find_reference_dir(start: Path | None = None) -> Path | None:
    """The reference folder of the assignment whose notebook runs in ``start`` (default: cwd).

    ``COURSE_REFERENCE_DIR`` wins when set. Otherwise the folder name of ``start`` is taken as
    the assignment name (nbgrader runs notebooks inside ``<...>/<assignment>/``) and the first
    ancestor holding ``.course-data/reference/<assignment>`` is used.
    """
    env = os.environ.get("COURSE_REFERENCE_DIR")
    if env:
        return Path(env)
    start = (start or Path.cwd()).resolve()
    assignment = start.name
    for parent in [start, *start.parents]:
        cand = parent / DATA_DIRNAME / "reference" / assignment
        if cand.is_dir():
            return cand
    return None


@lru_cache(maxsize=8)
def _index(ref_dir: str) -> dict[str, ReferenceCheck]:
    return {c.name: c for path in sorted(Path(ref_dir).glob("*.json")) for c in load_reference(path)}


def lookup(name: str) -> ReferenceCheck | None:
    """The reference check called ``name``, or None when there are no records (students' machines)."""
    ref_dir = find_reference_dir()
    if ref_dir is None:
        return None
    return _index(str(ref_dir)).get(name)
