"""`aigc-studio bench ui`: the real window streaming a bundled model at full speed.

Measured in one run, on one machine:
- GUI responsiveness: a 5 ms QTimer heartbeat in the GUI thread records the gaps between its ticks
  while the window streams; targets max gap <= 50 ms, p99 <= 20 ms.
- Streaming cost: tokens/s shown by the window against the engine alone (same model, settings,
  seed, token count), both timed from the start of the run to its last token; target >= 0.95x.
  Engine-alone and window runs alternate (E P W E P W E P W), the engine alone in a child process
  (as `aigc-studio generate` runs: its own OpenMP threads, the command line's thread count), and
  the ratio is of the medians: single runs vary by +-5% on a small machine.
- The ceiling of that ratio (P above): the engine as the window runs it, in the engine process on
  its own thread count, its batches read through the pipe by a plain process with no window. What
  the window loses beyond it is the GUI's own cost.
- Start-up: time until the window is painted (a fresh `python -m studio`) against
  `python -c "import torch"`; target <= 0.3x. Reported besides: the engine process's own start-up
  (from its start to its first message; its import of torch and the engine), and the first
  token's time in the window (click to on screen) against the command line's (as it prints it).
- Latency: the last token's paint after the engine's last event; target <= 100 ms.
- Stop: from clicking Stop mid-run to the run ended and shown; target <= 100 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {
    "max_gap_ms": 50.0,
    "p99_gap_ms": 20.0,
    "stream_ratio": 0.95,
    "startup_ratio": 0.3,
    "last_token_ms": 100.0,
    "stop_ms": 100.0,
}
PROMPT = ""  # the model's own start (any model, any script)


def _time_torch_import() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - t0


def _time_window_shown(env: dict) -> float:
    """Seconds from launching `python -m studio` to its window being painted."""
    env = {**env, "AIGC_STUDIO_EXIT_WHEN_SHOWN": "1"}
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-m", "studio"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert p.stdout is not None
    for line in p.stdout:
        if line.startswith("shown"):
            elapsed = time.perf_counter() - t0
            break
    else:
        p.wait()
        raise RuntimeError("the studio exited without showing its window")
    p.wait(timeout=60)
    return elapsed


def _pick_model() -> str | None:
    from studio.engine.formats.model_finder import list_models

    models, _ = list_models()
    text = [m for m in models if m.kind == "text-gpt"]
    text.sort(key=lambda m: (m.source != "bundled", m.name != "shakespeare"))
    return text[0].path if text else None


def _time_generation(loaded, settings: dict) -> tuple[float, int]:
    """(tokens/s from the call to the last event, tokens) of one run of the engine."""
    from studio.engine.text.generation import generate_text
    from studio.settings import GenerationSettings

    gs = GenerationSettings.from_dict(settings)
    t0 = time.perf_counter()
    done = None
    for ev in generate_text(loaded, PROMPT, gs):
        if ev.event == "done":
            done = ev
    t1 = time.perf_counter()
    return done.tokens / (t1 - t0), done.tokens


def _engine_alone(path: str, settings: dict, threads: int) -> tuple[float, int]:
    """The engine without any window, on `threads` torch threads (0: the command line's own
    choice), in the process's main thread, as the command line runs. Run by `_in_child`, in a
    process of its own."""
    import torch

    from studio.engine.cpu_threads import set_threads_for_run
    from studio.engine.formats.model_finder import load_model

    loaded = load_model(path)
    if threads:
        torch.set_num_threads(threads)
    else:  # as the command line chooses: from the model's size and the cores free now
        set_threads_for_run()
    return _time_generation(loaded, settings)


def _engine_in_process(path: str, settings: dict, threads: int) -> tuple[float, int]:
    """The engine as the window runs it, with no window: in the engine process, its batches read
    through the pipe by this process, timed from the request to the batch with the last token.
    The window cannot stream faster than this on the machine; `threads` is unused (the engine
    process chooses). Run by `_in_child`."""
    import queue

    from studio.io.engine_process import EngineProcess

    replies: queue.SimpleQueue = queue.SimpleQueue()
    engine = EngineProcess(replies.put, lambda reason: replies.put(("died", reason)))
    engine.start()

    def until(*names: str) -> tuple:
        while True:
            m = replies.get(timeout=300)
            if m[0] in ("died", "load_failed", "error"):
                raise RuntimeError(f"the engine process failed: {m[1:]}")
            if m[0] in names:
                return m

    try:
        engine.send("load", path, "auto")
        until("loaded")
        t0 = time.perf_counter()
        engine.send("generate", 1, PROMPT, settings)
        tokens, t1 = 0, t0
        while True:
            m = until("events", "ended")
            if m[0] == "ended":
                break
            got = sum(1 for ev in m[3] if ev.event == "token" and ev.sample == 0)
            if got:
                tokens += got
                t1 = time.perf_counter()
    finally:
        engine.close()
    return tokens / (t1 - t0), tokens


def _cli_first_token_ms(path: str, settings: dict) -> float:
    """The first token's time as `aigc-studio generate` prints it (the engine's own measure)."""
    import re

    r = subprocess.run(
        [sys.executable, "-m", "studio", "generate", "--model", path, "--prompt", PROMPT]
        + ["--seed", str(settings["seed"]), "--max-new-tokens", "20"],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"first token (\d+) ms", r.stderr)
    if found is None:
        raise RuntimeError("the command line printed no first-token time")
    return float(found.group(1))


def _in_child(function: str, path: str, settings: dict, threads: int) -> tuple[float, int]:
    """One of this module's timed runs in a fresh Python process (its own OpenMP threads, its own
    interpreter lock); (tokens/s, tokens)."""
    code = (
        "import json, sys\n"
        f"from studio.benchmarks.ui import {function} as run\n"
        "print(json.dumps(run(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]))))"
    )
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code, path, json.dumps(settings), str(threads)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    tokens_per_s, tokens = json.loads(out.strip().splitlines()[-1])
    return tokens_per_s, tokens


def _window_run(path: str, settings: dict, runs: int, between=None) -> list[dict]:
    """Stream `runs` times in one window (calling `between()` after each run but the last), then
    measure Stop."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from studio.benchmarks import qt_wait
    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = MainWindow(initial_model=path)
    window.resize(1400, 900)

    def wait_for(signal, timeout_ms: int = 120_000):
        return qt_wait.wait_for(signal, timeout_ms)

    class PaintClock(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.times: list[float] = []

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.times.append(time.perf_counter())
            return False

    window.show()
    wait_for(window.sig_model_ready)
    window.text.colors_check.setChecked(True)
    paints = PaintClock()
    window.output.viewport().installEventFilter(paints)

    ticks: list[float] = []
    beat = QTimer()
    beat.setTimerType(Qt.TimerType.PreciseTimer)
    beat.setInterval(5)
    beat.timeout.connect(lambda: ticks.append(time.perf_counter()))

    first_shown: list[float] = []
    window.sig_batch_shown.connect(
        lambda n: first_shown.append(time.perf_counter()) if not first_shown else None
    )
    process = window.engine.process
    startup = {
        "engine_ready_ms": ((process.ready_at or 0.0) - process.started_at) * 1000,
        "engine_import_ms": (process.warm_s or 0.0) * 1000,
    }
    results = []
    for i in range(runs):
        if i and between is not None:
            between()
        window.prompt_edit.setPlainText(PROMPT)
        window.sampling.set_generation_settings(settings)
        ticks.clear()
        paints.times.clear()
        beat.start()
        app.processEvents()
        first_shown.clear()
        t0 = time.perf_counter()
        window.generate()
        (record,) = wait_for(window.sig_run_shown)
        shown = window.last_batch_shown_at
        # let the last batch be painted
        deadline = time.perf_counter() + 0.5
        while time.perf_counter() < deadline and not any(t >= shown for t in paints.times):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        beat.stop()
        painted = next((t for t in paints.times if t >= shown), None)
        gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:], strict=False)]
        # where the longest gap began, in seconds from the click (the run ended at shown - t0)
        worst_at = ticks[gaps.index(max(gaps))] - t0 if gaps else float("nan")
        gaps.sort()
        results.append(
            {
                "tokens": record.tokens,
                "stream_tokens_per_s": record.tokens / (shown - t0),
                "max_gap_ms": gaps[-1] if gaps else float("nan"),
                "p99_gap_ms": gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))]
                if gaps
                else float("nan"),
                "ticks": len(ticks),
                "max_gap_at_s": worst_at,
                "run_s": shown - t0,
                "last_token_ms": ((painted or shown) - window.engine.done_at) * 1000,
                "first_token_ms": (first_shown[0] - t0) * 1000 if first_shown else float("nan"),
                "last_token_painted": painted is not None,
            }
        )
    # Stop: from the click to the run ended and on screen, mid-run
    window.sampling.set_generation_settings({**settings, "max_new_tokens": 5000})
    window.generate()
    wait_for(window.sig_batch_shown)
    QTimer.singleShot(300, window.text.stop_button.click)
    t_stop = [0.0]
    window.text.stop_button.clicked.connect(lambda: t_stop.__setitem__(0, time.perf_counter()))
    (record,) = wait_for(window.sig_run_shown)
    stop_ms = (time.perf_counter() - t_stop[0]) * 1000
    for r in results:
        r.update(startup)
        r["stop_ms"] = stop_ms
        r["stopped_reason"] = record.stop_reason if record else None
    window.close()
    return results


def run(args) -> int:
    quick = bool(getattr(args, "quick", False))
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="aigc-bench-ui-")
    env["AIGC_STUDIO_HOME"] = home
    os.environ["AIGC_STUDIO_HOME"] = home  # the bench's runs never reach the user's history

    reps = 1 if quick else 3
    torch_s = statistics.median(_time_torch_import() for _ in range(reps))
    shown_s = statistics.median(_time_window_shown(env) for _ in range(reps))

    path = _pick_model()
    if path is None:
        print("aigc-studio: error: no text model found to benchmark", file=sys.stderr)
        return 2
    # the window's defaults (the settings schema's), a fixed seed and a long run: past the
    # 128-token window the default way on, shift, streams the most tokens per second, so this is
    # the strictest test of the window's cost (slide is ~5x slower there)
    from studio.settings import GenerationSettings

    settings = GenerationSettings(max_new_tokens=300 if quick else 1500, seed=1234).to_dict()
    runs = 1 if quick else 5  # single runs of this small model vary by 20% here
    cli_threads = 0  # what `aigc-studio generate` runs with: its own choice per run
    # alternate engine-alone, engine-process and window runs so that machine load drifts affect
    # all alike
    engine: list[tuple[float, int]] = []
    process: list[tuple[float, int]] = []

    def peers() -> None:
        engine.append(_in_child("_engine_alone", path, settings, cli_threads))
        process.append(_in_child("_engine_in_process", path, settings, cli_threads))

    peers()
    window = _window_run(path, settings, runs, peers)
    cli_ttft = _cli_first_token_ms(path, settings)
    engine_tps = statistics.median(e[0] for e in engine)
    process_tps = statistics.median(w[0] for w in process)
    stream_tps = statistics.median(r["stream_tokens_per_s"] for r in window)
    report = {
        "model": path,
        "tokens": window[0]["tokens"],
        "engine_tokens": engine[0][1],
        "engine_tokens_per_s": engine_tps,
        "engine_runs_tokens_per_s": [e[0] for e in engine],
        "stream_tokens_per_s": stream_tps,
        "stream_ratio": stream_tps / engine_tps,
        # the ceiling: the engine process read through its pipe, with no window
        "engine_process_tokens_per_s": process_tps,
        "engine_process_runs_tokens_per_s": [w[0] for w in process],
        "engine_process_ratio": process_tps / engine_tps,
        "stream_vs_engine_process": stream_tps / process_tps,
        "max_gap_ms": max(r["max_gap_ms"] for r in window),
        "p99_gap_ms": max(r["p99_gap_ms"] for r in window),
        "import_torch_s": torch_s,
        "window_shown_s": shown_s,
        "startup_ratio": shown_s / torch_s,
        "engine_ready_ms": window[0]["engine_ready_ms"],
        "engine_import_ms": window[0]["engine_import_ms"],
        "window_first_token_ms": statistics.median(r["first_token_ms"] for r in window),
        "cli_first_token_ms": cli_ttft,
        "last_token_ms": max(r["last_token_ms"] for r in window),
        "stop_ms": window[0]["stop_ms"],
        "runs": window,
    }
    ok = {
        "max_gap_ms": report["max_gap_ms"] <= TARGETS["max_gap_ms"],
        "p99_gap_ms": report["p99_gap_ms"] <= TARGETS["p99_gap_ms"],
        "stream_ratio": report["stream_ratio"] >= TARGETS["stream_ratio"],
        "startup_ratio": report["startup_ratio"] <= TARGETS["startup_ratio"],
        "last_token_ms": report["last_token_ms"] <= TARGETS["last_token_ms"],
        "stop_ms": report["stop_ms"] <= TARGETS["stop_ms"],
    }
    report["targets"] = TARGETS
    report["pass"] = ok
    if getattr(args, "json", False):
        print(json.dumps(report, indent=2))
    else:
        _print_report(report, ok, window, engine, process)
    return 0 if all(ok.values()) else 1


def _print_report(report: dict, ok: dict, window: list, engine: list, process: list) -> None:
    engine_tps, shown_s, torch_s = (
        report["engine_tokens_per_s"],
        report["window_shown_s"],
        report["import_torch_s"],
    )
    print(
        f"model: {report['model']} ({report['tokens']} tokens; {len(window)} window, "
        f"{len(engine)} engine-alone and {len(process)} engine-process runs, alternating; medians)"
    )
    rows = [
        ("GUI max gap", f"{report['max_gap_ms']:.1f} ms", "<= 50 ms", ok["max_gap_ms"]),
        ("GUI p99 gap", f"{report['p99_gap_ms']:.1f} ms", "<= 20 ms", ok["p99_gap_ms"]),
        (
            "streamed tokens/s",
            f"{report['stream_tokens_per_s']:.1f} vs engine {engine_tps:.1f} = "
            f"{report['stream_ratio']:.3f}x",
            ">= 0.95x",
            ok["stream_ratio"],
        ),
        (
            "window shown",
            f"{shown_s:.2f} s vs import torch {torch_s:.2f} s = {report['startup_ratio']:.2f}x",
            "<= 0.3x",
            ok["startup_ratio"],
        ),
        (
            "last token on screen",
            f"{report['last_token_ms']:.1f} ms after it arrived",
            "<= 100 ms",
            ok["last_token_ms"],
        ),
        (
            "Stop",
            f"{report['stop_ms']:.1f} ms from the click to the run ended",
            "<= 100 ms",
            ok["stop_ms"],
        ),
    ]
    for name, value, target, passed in rows:
        print(f"{name:<22} {value:<48} target {target:<9} {'ok' if passed else 'MISSED'}")
    print(
        f"engine process start-up: first message {report['engine_ready_ms']:.0f} ms after its "
        f"start; its import of torch and the engine {report['engine_import_ms']:.0f} ms"
    )
    print(
        f"first token: {report['window_first_token_ms']:.0f} ms in the window (click to on "
        f"screen) vs {report['cli_first_token_ms']:.0f} ms as the command line prints it"
    )
    each = " ".join(f"{r['stream_tokens_per_s']:.1f}" for r in window)
    alone = " ".join(f"{e[0]:.1f}" for e in engine)
    piped = " ".join(f"{w[0]:.1f}" for w in process)
    print(f"tokens/s of each run: window {each}; engine alone {alone}; engine process {piped}")
    print(
        f"without a window (the engine process, read through its pipe): "
        f"{report['engine_process_tokens_per_s']:.1f} tokens/s = "
        f"{report['engine_process_ratio']:.3f}x the engine alone; the window streams at "
        f"{report['stream_vs_engine_process']:.3f}x of that"
    )
    if report["engine_process_ratio"] < TARGETS["stream_ratio"]:
        print(
            f"the {TARGETS['stream_ratio']}x target is above that ceiling on this machine: "
            "the engine process's thread count and the pipe alone cost more than it allows"
        )
