"""``bench.md`` (a Markdown table) and ``bench.json`` (the same rows with their samples)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench.common import Row

COLUMNS = ("what", "size", "ours", "theirs", "ratio", "threads", "machine", "date", "status", "notes")

GROUP_TITLES = {
    "layers": "NumPy (and PyTorch) implementations against the PyTorch built-ins and gensim, CPU",
    "gpu": "Each chapter's torch.autograd.Function on the GPU",
    "grading": "Grading throughput",
    "notebooks": "Executing the course (CI parameters)",
}


def fmt_ratio(r: float | None) -> str:
    if r is None or not math.isfinite(r):
        return "-"
    return f"{r:.3g}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(rows: list[Row], meta: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Run {meta['date']}, {meta['mode']} mode, device {meta['device']}, on {meta['machine']}.",
        f"Versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
        "",
        "*ratio* = ours' speed / theirs' speed, measured side by side in this run (interleaved, "
        "median of repetitions after a warm-up, the same thread count on both sides): "
        "above 1 ours is faster, below 1 theirs is. Times are per call unless stated.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "| " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for r in rows:
        vals = {
            "what": r.what,
            "size": r.size,
            "ours": r.ours or "-",
            "theirs": r.theirs or "-",
            "ratio": fmt_ratio(r.ratio),
            "threads": r.threads,
            "machine": r.machine,
            "date": r.date,
            "status": r.status,
            "notes": r.notes,
        }
        lines.append("| " + " | ".join(_cell(vals[c]) for c in COLUMNS) + " |")
    if meta.get("remarks"):
        lines += ["", *[f"- {m}" for m in meta["remarks"]]]
    lines.append("")
    return "\n".join(lines)


def write(out: Path, rows: list[Row], meta: dict) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "bench.md", out / "bench.json"
    md.write_text(markdown(rows, meta), encoding="utf-8")
    payload = {"meta": meta, "columns": list(COLUMNS), "rows": [r.as_dict() for r in rows]}
    js.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return md, js
