"""Screenshots of steering a text run, for the README: step mode (the window with the step
dialog beside it, a few tokens taken and the next one paused) and A/B compare.

    python scripts/steering_shots.py step docs/screenshot-step.png [--language zh_CN]
    python scripts/steering_shots.py compare docs/screenshot-compare.png [--language zh_CN]
    python scripts/steering_shots.py window OUT.png      (the window alone, 1280x720)

Runs the real window on Qt's offscreen platform with a fresh history and the bundled
Shakespeare model.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))

import window_shots  # noqa: E402 - the window's opening, shared with the other screenshots

SETTINGS = {
    "seed": 7,
    "max_new_tokens": 120,
    "sampling": {"temperature": 0.9, "top_k": 30, "top_p": 0.9},
}


def _wait(app, done, ms: int = 120_000) -> None:
    import time

    end = time.monotonic() + ms / 1000
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shot_step(out: str, taken: int) -> None:
    app, w = window_shots._open_window("shakespeare", 1280, 720)
    w.prompt_edit.setPlainText("ROMEO:\nBut soft, what light")
    w.sampling.set_generation_settings(SETTINGS)
    stepper = w.text.steering.stepper
    w.text.step_button.click()
    # a few tokens taken, then on to a step with a choice worth showing (several candidates)
    for n in range(60):
        _wait(app, lambda: stepper.pending is not None)
        if n >= taken and len(stepper.pending.bar) >= 5:
            break
        stepper.step()
    d = stepper.dialog
    d.resize(900, 620)
    app.processEvents()
    d.grab().save(out)
    print(f"wrote {out}")
    w.close()


def shot_compare(out: str) -> None:
    app, w = window_shots._open_window("shakespeare", 1280, 720)
    w.prompt_edit.setPlainText("ROMEO:")
    w.sampling.set_generation_settings(
        {"seed": 3, "max_new_tokens": 160, "sampling": {"temperature": 0.8}}
    )
    w.text.compare_button.click()
    d = w.text.steering.compare_dialog
    d.resize(1100, 560)
    d.b_fields["top_k"].setValue(5)
    d.run()
    _wait(app, lambda: d.parting is not None)
    app.processEvents()
    d.grab().save(out)
    print(f"wrote {out}")
    w.close()


def shot_window(out: str) -> None:
    app, w = window_shots._open_window("shakespeare", 1280, 720)
    app.processEvents()
    w.grab().save(out)
    print(f"wrote {out}")
    w.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["step", "compare", "window"])
    p.add_argument("out")
    p.add_argument("--taken", type=int, default=6, help="step: tokens taken before the shot")
    p.add_argument("--language", default="en")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AIGC_STUDIO_HOME", tempfile.mkdtemp(prefix="aigc-shots-"))
    window_shots.LANGUAGE = args.language
    if args.what == "step":
        shot_step(args.out, args.taken)
    elif args.what == "compare":
        shot_compare(args.out)
    else:
        shot_window(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
