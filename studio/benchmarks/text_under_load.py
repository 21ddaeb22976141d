"""Tokens/s on a busy machine: the default thread choice against every fixed one, idle and busy.

People's machines are busy. For each number of busy processes beside it (0, 1, 2: plain Python loops
that never sleep), the bundled `shakespeare` model generates the same 200 tokens on each fixed thread
count and on the default choice (`engine/cpu_threads.threads_for_run`, read when the run starts, as
the command line and the window do). Runs alternate and each figure is the median of a few, so a
change of load on the machine affects every variant alike. Target: the default within 10% of the
best fixed choice, idle and busy.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from studio.engine.cpu_threads import cores, set_threads_for_run
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.text.generation import GenerationSettings, generate_text

SPIN = "while True: pass"
TARGET = 0.90  # default / best


@contextmanager
def busy_processes(n: int) -> Iterator[None]:
    """`n` processes that keep a core each busy until the block ends."""
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(n)]
    try:
        time.sleep(0.3 if n else 0)  # let them reach their loop (a benchmark, not a test)
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def _tokens_per_s(loaded: LoadedModel, threads: int | None, tokens: int) -> tuple[float, int]:
    """(tokens/s, threads used) of one greedy run; threads None = the default choice."""
    if threads is None:
        threads = set_threads_for_run()
    torch.set_num_threads(threads)
    settings = GenerationSettings(max_new_tokens=tokens, seed=1, ignore_eos=True)
    t0 = time.perf_counter()
    n = sum(1 for e in generate_text(loaded, "ROMEO:", settings) if e.event == "token")
    return n / (time.perf_counter() - t0), threads


def measure_under_load(
    loaded: LoadedModel, tokens: int = 200, repeats: int = 5, max_busy: int = 2
) -> list[dict]:
    """One row per number of busy processes: median tokens/s per thread choice."""
    fixed = list(range(1, cores() + 1))
    old = torch.get_num_threads()
    rows = []
    try:
        _tokens_per_s(loaded, 1, 16)  # warm-up
        for busy in range(max_busy + 1):
            with busy_processes(busy):
                runs: dict[str, list[float]] = {str(t): [] for t in fixed} | {"default": []}
                chosen = []
                for _ in range(repeats):
                    for t in fixed:
                        runs[str(t)].append(_tokens_per_s(loaded, t, tokens)[0])
                    tps, used = _tokens_per_s(loaded, None, tokens)
                    runs["default"].append(tps)
                    chosen.append(used)
            med = {k: statistics.median(v) for k, v in runs.items()}
            best = max(med[str(t)] for t in fixed)
            rows.append(
                {
                    "busy": busy,
                    "tokens_per_s": med,
                    "default_threads": statistics.mode(chosen),
                    "default_vs_best": med["default"] / best,
                }
            )
    finally:
        torch.set_num_threads(old)
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [
        "shakespeare, 200 tokens, greedy; tokens/s by thread count (median of 5, alternating):"
    ]
    for r in rows:
        fixed = "  ".join(
            f"{k} thread{'s' if k != '1' else ''} {v:7.1f}"
            for k, v in r["tokens_per_s"].items()
            if k != "default"
        )
        ok = "ok" if r["default_vs_best"] >= TARGET else "MISSED"
        lines.append(
            f"  {r['busy']} busy process{'es' if r['busy'] != 1 else ''} beside it: {fixed}  "
            f"default ({r['default_threads']}) {r['tokens_per_s']['default']:7.1f} = "
            f"{r['default_vs_best']:.2f}x the best   target >= {TARGET:.2f}x {ok}"
        )
    return "\n".join(lines)
