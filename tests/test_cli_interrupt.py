"""Ctrl+C on `aigc-studio generate` ends the run as Stop does: a real SIGINT to the real command,
sent once the run is under way, leaves the partial run in --output (stop reason "cancelled"), the
summary line, and exit status 130."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import save_tiny, tiny_char_model
from image_helpers import save_image_model, tiny_pixelcnn
from PIL import Image

from studio.io.export import read_run
from studio.io.png_chunks import read_image, read_png_meta

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")


def interrupt(argv: list[str], ready: Callable[[str], bool]) -> tuple[int, str, str]:
    """Start `python -m studio generate ARGV`, read its standard output until `ready(what was
    read)` (the run is under way), send SIGINT, and return (exit status, stdout, stderr)."""
    p = subprocess.Popen(
        [sys.executable, "-m", "studio", "generate", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        # as a terminal starts it: a test runner started in the background (`cmd &`) would pass
        # Ctrl+C on ignored, and the command rightly leaves an ignored Ctrl+C ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        seen = ""
        while not ready(seen):
            ch = p.stdout.read(1)
            assert ch, ("ended before it was under way", seen, p.stderr.read())
            seen += ch
        p.send_signal(signal.SIGINT)
        # read on through the same buffered streams (communicate() would skip what they hold);
        # a run that does not end is killed rather than waited for
        watchdog = threading.Timer(120, p.kill)
        watchdog.start()
        out, err = p.stdout.read(), p.stderr.read()
        p.wait()
        watchdog.cancel()
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    return p.returncode, seen + out, err


def test_ctrl_c_keeps_the_text_so_far(tmp_path):
    model = save_tiny(tmp_path / "tiny.safetensors", tiny_char_model(block_size=16))
    run_file, text_file = tmp_path / "run.json", tmp_path / "run.txt"
    # far more tokens than can be made before the signal lands; the signal goes once the first
    # token is out
    argv = ["--model", str(model), "--prompt", "hello\n", "--max-new-tokens", "1000000"]

    def after_prompt(seen: str) -> bool:
        return len(seen) > len("hello\n")

    code, out, err = interrupt([*argv, "--seed", "1", "--output", str(run_file)], after_prompt)
    assert code == 130, err
    assert "Traceback" not in err
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("[") and summary.endswith("cancelled by Ctrl+C]")
    run = read_run(run_file)
    assert run.stop_reason == "cancelled" and run.seed == 1
    assert 1 <= run.tokens < 1_000_000 and len(run.trace) == run.tokens
    assert out == run.prompt + run.text + "\n"  # the file holds what was printed
    assert summary.startswith(f"[{run.tokens} tokens")
    # .txt too: exactly what was printed
    code, out, _ = interrupt([*argv, "--output", str(text_file)], after_prompt)
    assert code == 130 and text_file.read_text(encoding="utf-8") == out


def test_ctrl_c_keeps_the_picture_so_far(tmp_path):
    # 48x48 pixels: thousands of steps, so the signal lands mid-picture
    model = save_image_model(tmp_path / "big.safetensors", tiny_pixelcnn(height=48, width=48))
    png, gif = tmp_path / "part.png", tmp_path / "part.gif"
    argv = ["--model", str(model), "--seed", "2", "--format", "jsonl", "--output", str(png)]
    code, out, err = interrupt([*argv, "--gif", str(gif)], lambda seen: '"event": "pixel"' in seen)
    assert code == 130, err
    events = [json.loads(line) for line in out.splitlines()]
    done = events[-1]
    assert done["event"] == "done" and done["stop_reason"] == "cancelled"
    drawn = sum(e["event"] == "pixel" for e in events)
    assert 0 <= drawn < 48 * 48 and done["tokens"] == drawn
    assert err.strip().splitlines()[-1] == (
        f"[sample 0: {drawn} of {48 * 48} pixels, {done['tokens_per_s']:.0f} pixels/s, "
        "cancelled by Ctrl+C]"
    )
    meta = read_png_meta(png)
    assert meta["stop_reason"] == "cancelled" and meta["pixels"] == str(drawn)
    pixels = read_image(png)[0][..., 0]
    assert pixels.shape == (48, 48)
    # the rows drawn are there, the rest is still blank (0)
    full_rows = drawn // 48
    assert not pixels[full_rows + 1 :].any()
    with Image.open(gif) as im:
        # the blank start, one per full row, the last (merged with the one before when the same)
        assert full_rows + 1 <= im.n_frames <= full_rows + 2
