"""CPU time per call, measured so that a busy machine and a coarse clock do not distort it.

The lectures compare costs (softmax against negative sampling, backprop against direct feedback
alignment, attention at growing lengths) and assert what the text says about them. Those cells
run on laptops, on a loaded 2-core CI machine and in containers whose CPU clock only advances
in ticks of several milliseconds, so the measurement is built to hold in all three:

* it counts CPU time of this process (``time.process_time``), not wall time: time another
  program holds the core is left out;
* each round repeats the call until it has used at least ``min_round_seconds`` of CPU time, so
  a clock with 10 ms ticks is off by a few per cent at most, never reads zero;
* it keeps the best of several rounds: the round least disturbed by other programs sharing the
  caches;
* costs that are compared with each other are measured in turn, round by round
  (:func:`cpu_times_per_call`), so that a stretch of heavy load does not fall on some of them only.

CPU time sums over all threads of the process: a call that keeps two cores busy for 1 ms costs
2 ms here. The lectures pin NumPy and PyTorch to one thread before they time anything.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence


def cpu_time_per_call(
    fn: Callable[[], object],
    rounds: int = 3,
    min_round_seconds: float = 0.05,
    max_calls: int = 10_000_000,
) -> float:
    """Seconds of CPU time per call of ``fn()``: the best of ``rounds`` rounds of at least
    ``min_round_seconds`` each (after one warm-up call, whose first-time costs are not the method's)."""
    return cpu_times_per_call([fn], rounds, min_round_seconds, max_calls)[0]


def cpu_times_per_call(
    fns: Sequence[Callable[[], object]],
    rounds: int = 5,
    min_round_seconds: float = 0.05,
    max_calls: int = 10_000_000,
) -> list[float]:
    """:func:`cpu_time_per_call` for several functions whose costs are compared, measured in turn.

    Each function's first round calibrates its number of calls; the other rounds go round-robin
    over the functions (one round of each, then the next), so that a stretch of heavy load on
    the machine disturbs one round of every function instead of every round of the functions
    that happened to be measured during it. Each function keeps its best round."""
    if rounds < 1 or min_round_seconds <= 0 or max_calls < 1:
        raise ValueError("rounds and max_calls must be at least 1 and min_round_seconds positive")
    calls, best = [], []
    for fn in fns:
        fn()  # warm-up
        per_call, n = _counted_round(fn, 1, min_round_seconds, max_calls)  # calibrates n
        calls.append(n)
        best.append(per_call)
    for _ in range(rounds - 1):
        for i, fn in enumerate(fns):
            per_call, calls[i] = _counted_round(fn, calls[i], min_round_seconds, max_calls)
            best[i] = min(best[i], per_call)
    return best


def _counted_round(
    fn: Callable[[], object], calls: int, min_seconds: float, max_calls: int
) -> tuple[float, int]:
    """CPU seconds per call over the first round of ``calls`` calls of ``fn()`` that lasts at
    least ``min_seconds`` (a shorter one is repeated with more calls); returns it and the calls."""
    while True:
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        used = time.process_time() - t0
        if used >= min_seconds or calls >= max_calls:
            return used / calls, calls
        if used <= 0:  # below the clock's tick: ten times more calls
            calls = min(max_calls, calls * 10)
        else:  # aim 20% above the minimum so that the next round counts
            calls = min(max_calls, max(calls + 1, math.ceil(calls * 1.2 * min_seconds / used)))
