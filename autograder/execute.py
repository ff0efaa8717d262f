"""Execute one notebook cell by cell and write what happened (runs inside the sandbox).

Usage: ``python -m autograder.execute NOTEBOOK OUTDIR --cell-timeout S``

Writes ``OUTDIR/progress.jsonl`` (a line when each cell starts and ends, flushed, so that a
crash still tells where it happened) and ``OUTDIR/executed.ipynb`` (outputs capped). The
grader treats all of it as untrusted: it is read for messages only, never for scores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import nbformat  # after autograder/__init__.py, which skips the 1.5-s IRI grammar
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from autograder.config import CELL_TIMEOUT_S  # noqa: E402
from autograder.schema import CellStatus  # noqa: E402

CELL_OUTPUT_CAP = 32 * 1024
TOTAL_OUTPUT_CAP = 512 * 1024


class CappedClient(NotebookClient):
    """A NotebookClient that keeps at most ``CELL_OUTPUT_CAP`` bytes of output per cell."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cell_bytes: dict[int, int] = {}
        self.total_bytes = 0
        self.truncated: set[int] = set()

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self.cell_bytes.get(cell_index, 0)
        if used + size > CELL_OUTPUT_CAP or self.total_bytes + size > TOTAL_OUTPUT_CAP:
            if cell_index not in self.truncated:
                self.truncated.add(cell_index)
                outs.append(
                    nbformat.v4.new_output(
                        "stream", name="stderr", text="\n[output truncated by the autograder]\n"
                    )
                )
            return None
        self.cell_bytes[cell_index] = used + size
        self.total_bytes += size
        return super().output(outs, msg, display_id, cell_index)


def _error_of(cell) -> dict | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return {"ename": str(out.get("ename", ""))[:200], "evalue": str(out.get("evalue", ""))[:1000]}
    return None


def run(nb_path: Path, outdir: Path, cell_timeout: int) -> int:
    from autograder.kernels import kernel_manager, shutdown

    nb = nbformat.read(nb_path, as_version=4)
    km = kernel_manager()
    client = CappedClient(
        nb,
        km=km,
        timeout=cell_timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": "CellTimeoutError",
            "evalue": f"cell exceeded {cell_timeout} s",
            "traceback": [],
        },
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(nb_path.parent)}},
    )
    progress = open(outdir / "progress.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def log(**event):
        progress.write(json.dumps(event) + "\n")
        progress.flush()

    dead = False
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            log(event="start", index=index)
            if dead:
                log(
                    event="end",
                    index=index,
                    status=CellStatus.NOT_RUN.value,
                    error={"ename": "DeadKernelError", "evalue": ""},
                )
                continue
            started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError as exc:
                dead = True
                log(
                    event="end",
                    index=index,
                    status=CellStatus.CRASH.value,
                    error={"ename": "DeadKernelError", "evalue": str(exc)[:500]},
                )
                continue
            err = _error_of(cell)
            # At the limit nbclient interrupts the kernel: the cell then ends in KeyboardInterrupt.
            over = time.monotonic() - started >= cell_timeout
            if err is None:
                status = CellStatus.OK.value
            elif err["ename"] == "CellTimeoutError" or (over and err["ename"] == "KeyboardInterrupt"):
                status, err = (
                    "timeout",
                    {"ename": "CellTimeoutError", "evalue": f"cell exceeded {cell_timeout} s"},
                )
            else:
                status = CellStatus.ERROR.value
            log(
                event="end",
                index=index,
                status=status,
                error=err,
                truncated=index in client.truncated,
                seconds=round(time.monotonic() - started, 3),
            )
    shutdown(km)
    nbformat.write(nb, outdir / "executed.ipynb")
    log(event="done")
    progress.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder.execute")
    ap.add_argument("notebook", type=Path)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT_S)
    args = ap.parse_args(argv)
    return run(args.notebook, args.outdir, args.cell_timeout)


if __name__ == "__main__":
    sys.exit(main())
