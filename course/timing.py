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
  caches.

CPU time sums over all threads of the process: a call that keeps two cores busy for 1 ms costs
2 ms here. The lectures pin NumPy and PyTorch to one thread before they time anything.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


def cpu_time_per_call(
    fn: Callable[[], object],
    rounds: int = 3,
    min_round_seconds: float = 0.05,
    max_calls: int = 10_000_000,
) -> float:
    """Seconds of CPU time per call of ``fn()``: the best of ``rounds`` rounds of at least
    ``min_round_seconds`` each (after one warm-up call, whose first-time costs are not the method's)."""
    if rounds < 1 or min_round_seconds <= 0 or max_calls < 1:
        raise ValueError("rounds and max_calls must be at least 1 and min_round_seconds positive")
    fn()
    calls, best, done = 1, math.inf, 0
    while done < rounds:
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        used = time.process_time() - t0
        if used >= min_round_seconds or calls >= max_calls:
            best = min(best, used / calls)
            done += 1
        elif used <= 0:  # below the clock's tick: ten times more calls
            calls = min(max_calls, calls * 10)
        else:  # aim 20% above the minimum so that the next round counts
            calls = min(max_calls, max(calls + 1, math.ceil(calls * 1.2 * min_round_seconds / used)))
    return best
