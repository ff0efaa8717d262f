"""The order of the run: layers (CPU), GPU rows, grading throughput, executing the course."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

from bench import report
from bench.common import Row, ThreadPin, log, machine, now, versions
from bench.layers import Context, run_cpu, run_gpu

ROOT = Path(__file__).resolve().parent.parent


def _failed(group: str, what: str, ctx: Context, exc: BaseException) -> Row:
    log(f"{what}: FAILED\n{traceback.format_exc()}")
    return ctx.row(what, group=group, status=f"error: {type(exc).__name__}: {exc}"[:400])


def run_all(args) -> int:
    t_start = time.monotonic()
    out = Path(args.out).resolve()
    groups = set(args.only or ["layers", "gpu", "grading", "notebooks"])
    mach = machine()
    with ThreadPin(args.threads) as pin:
        import torch

        cuda = bool(torch.cuda.is_available())
        ctx = Context(
            root=ROOT,
            quick=args.quick,
            device=args.device,
            threads=pin.describe(),
            machine=mach,
            reps=3 if args.quick else 7,
            target_s=0.01 if args.quick else 0.05,
            cuda=cuda,
        )
        meta = {
            "date": now(),
            "mode": "quick" if args.quick else "full",
            "device": args.device,
            "machine": mach,
            "threads": ctx.threads,
            "versions": versions(),
            "command": "python -m bench" + (" --quick" if args.quick else "") + f" --device {args.device}",
            "remarks": [],
        }
        log(f"{meta['command']} on {mach}; threads {ctx.threads}; writing {out}")
        rows: list[Row] = []

        def save():
            meta["seconds"] = round(time.monotonic() - t_start, 1)
            report.write(out, rows, meta)

        if "layers" in groups:
            log("== NumPy implementations vs PyTorch built-ins (CPU)")
            try:
                rows += run_cpu(ctx)
            except Exception as exc:  # noqa: BLE001 - keep going with the other groups
                rows.append(_failed("layers", "layer benchmarks", ctx, exc))
            save()
        if "gpu" in groups:
            if args.device != "cuda":
                why = "GPU rows skipped: --device cpu (use --device cuda, or make bench DEVICE=cuda)"
                log(why)
                meta["remarks"].append(why)
            elif not cuda:
                why = (
                    f"GPU rows skipped: --device cuda but torch.cuda.is_available() is False "
                    f"(torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'})"
                )
                log(why)
                meta["remarks"].append(why)
                rows.append(
                    ctx.row(
                        "torch.autograd.Function rows on cuda",
                        group="gpu",
                        status="skipped (no CUDA device)",
                        notes=why,
                    )
                )
            else:
                log(f"== autograd.Functions on cuda ({torch.cuda.get_device_name(0)})")
                meta["gpu"] = torch.cuda.get_device_name(0)
                try:
                    rows += run_gpu(ctx, "cuda")
                except Exception as exc:  # noqa: BLE001
                    rows.append(_failed("gpu", "GPU benchmarks", ctx, exc))
            save()
    # Subprocess groups: their kernels get their thread counts from the environment.
    if "grading" in groups:
        log("== grading throughput: our grader vs nbgrader autograde")
        from bench.grading import run_grading

        try:
            rows += run_grading(ctx, keep=args.keep, reps=args.grading_reps)
        except Exception as exc:  # noqa: BLE001
            rows.append(_failed("grading", "grading throughput", ctx, exc))
        save()
    if "notebooks" in groups:
        log("== executing the course with the CI parameters")
        from bench.course_run import run_notebooks

        try:
            rows += run_notebooks(ctx, keep=args.keep)
        except Exception as exc:  # noqa: BLE001
            rows.append(_failed("notebooks", "executing the course", ctx, exc))
        save()
    save()
    log(f"done in {time.monotonic() - t_start:.1f} s: {out / 'bench.md'}, {out / 'bench.json'}")
    print()
    print(report.markdown(rows, meta))
    return 1 if any(r.status.startswith("error") for r in rows) else 0
