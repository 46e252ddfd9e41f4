"""Timing helpers: percentiles of repeated calls (pure)."""
from __future__ import annotations

import time
from typing import Callable


def percentile(samples: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of samples, by nearest rank."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def measure(call: Callable[[], object], n: int, warmup: int = 10, budget_s: float | None = None) -> dict:
    """Call n times after warmup calls; return p50/p99/mean in milliseconds (stop early past budget_s)."""
    for _ in range(warmup):
        call()
    samples = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
        if budget_s is not None and time.perf_counter() - started > budget_s and len(samples) >= 3:
            break
    return {"p50_ms": round(percentile(samples, 50), 3), "p99_ms": round(percentile(samples, 99), 3),
            "mean_ms": round(sum(samples) / len(samples), 3), "n": len(samples)}
