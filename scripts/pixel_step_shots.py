"""Screenshots of step mode for pixels, for the README: the window's Image tab with a few pixels
taken and the pixel step dialog over it, paused at the next pixel.

    python scripts/pixel_step_shots.py docs/screenshot-pixel-step.png [--model emoji]
        [--taken 40] [--language zh_CN] [--dialog-only]

Runs the real window on Qt's offscreen platform with a fresh history and a bundled image model.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

import window_shots  # noqa: E402 - the window's opening, shared with the other screenshots

SETTINGS = {"seed": 12, "sampling": {"temperature": 1.0, "top_k": 8, "top_p": 0.95}}


def _wait(app, done, ms: int = 120_000) -> None:
    end = time.monotonic() + ms / 1000
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def shot(out: str, model: str, taken: int, dialog_only: bool) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter, QPixmap

    app, w = window_shots._open_window(model, 1000, 720)
    w.sampling.set_generation_settings(SETTINGS)
    stepping = w.image.stepping
    w.image.step_button.click()
    # pixels taken, then on to one with a choice worth showing (a stage removing values)
    for n in range(taken + 400):
        _wait(app, lambda: stepping.pending is not None)
        o = stepping.pending
        removes = any(s.removed_count for s in o.stages)
        if n >= taken and len(o.bar) >= 3 and o.drawn.prob < 0.7 and removes:
            break
        stepping.step()
    d = stepping.dialog
    d.resize(900, 720)
    app.processEvents()
    if dialog_only:
        d.grab().save(out)
    else:
        # the dialog beside the window, as on a desktop
        win, dlg = w.grab(), d.grab()
        pm = QPixmap(win.width() + dlg.width() + 8, max(win.height(), dlg.height()))
        pm.fill(QColor(90, 90, 90))
        p = QPainter(pm)
        p.drawPixmap(QPoint(0, 0), win)
        p.drawPixmap(QPoint(win.width() + 8, 0), dlg)
        p.end()
        pm.save(out)
    print(f"wrote {out}")
    w.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--model", default="emoji")
    p.add_argument("--taken", type=int, default=40, help="pixels taken before the shot")
    p.add_argument("--language", default="en")
    p.add_argument("--dialog-only", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AIGC_STUDIO_HOME", tempfile.mkdtemp(prefix="aigc-shots-"))
    window_shots.LANGUAGE = args.language
    shot(args.out, args.model, args.taken, args.dialog_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
