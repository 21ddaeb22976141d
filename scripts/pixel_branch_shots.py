"""A screenshot of an image run with pixel branches for the README: the digits model's batch of
four 7s, two branches of its second sample (each at its most uncertain pixel of the middle rows,
with a far-off value the model still gave some probability), the tree beside the canvas and the
first branch shown, its chosen pixel outlined and hovered.

    python scripts/pixel_branch_shots.py docs/screenshot-pixel-branches.png [--language zh_CN]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--language", default="en", choices=["en", "zh_CN"])
    p.add_argument("--size", default="1280x720")
    p.add_argument("--seed", type=int, default=3)
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AIGC_STUDIO_HOME", tempfile.mkdtemp(prefix="aigc-shots-"))
    import numpy as np
    import window_shots
    from PySide6.QtTest import QTest

    from studio.benchmarks import qt_wait

    window_shots.LANGUAGE = args.language
    width, height = (int(x) for x in args.size.split("x"))
    app, w = window_shots._open_window("digits", width, height)
    ws = w.image
    ws.set_batch(4)
    ws.set_label(7)
    w.sampling.set_generation_settings({"seed": args.seed, "sampling": {"temperature": 1.0}})
    w.generate_image()
    qt_wait.wait_for(w.sig_run_shown, 300_000)
    branches = ws.runner.branches

    def branch(sample: int, rows: range, nth: int) -> None:
        """Branch `sample` at the nth most uncertain pixel of `rows` with the value farthest
        from the one drawn among those of probability 1% or more."""
        entropy = ws.pixels.entropy[sample, rows.start : rows.stop]  # (rows, W)
        order = np.argsort(-entropy, axis=None)
        row, col = np.unravel_index(int(order[nth]), entropy.shape)
        row += rows.start
        dist = ws.pixels.distribution(sample, row, col)
        drawn = int(ws.pixels.values[sample, row, col])
        likely = np.flatnonzero(dist >= 0.01)
        value = int(likely[np.argmax(np.abs(likely - drawn))])
        branches.branch(sample, int(row), int(col), value)
        qt_wait.wait_for(w.sig_run_shown, 300_000)

    branch(1, range(8, 16), 0)
    branches.show_node(0)
    branch(1, range(14, 20), 0)
    branches.show_node(1)
    c = branches.tree.nodes[1].chosen
    QTest.mouseMove(ws.canvas, ws.canvas.pixel_rect(0, c["row"], c["col"]).center())
    branches.view.setFocus()
    app.processEvents()
    w.grab().save(args.out)
    print(f"wrote {args.out}")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
