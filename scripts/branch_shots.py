"""A screenshot of a text run with branches for the README: the shakespeare model's run, three
branches made with Branch here (two from the run, one from a branch), the tree beside the text and
the last branch's path shown, its hand-chosen tokens underlined.

    python scripts/branch_shots.py docs/screenshot-branches.png [--language zh_CN] [--size 1280x720]
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
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AIGC_STUDIO_HOME", tempfile.mkdtemp(prefix="aigc-shots-"))
    import window_shots

    from studio.benchmarks import qt_wait

    window_shots.LANGUAGE = args.language
    width, height = (int(x) for x in args.size.split("x"))
    app, w = window_shots._open_window("shakespeare", width, height)
    sampling = {"temperature": 0.8, "top_k": 20}
    window_shots._generate_text(
        w, "ROMEO:", {"seed": 7, "max_new_tokens": 120, "sampling": sampling}
    )

    def branch(i: int, rank: int = 1) -> None:
        """Branch at token i with its rank-th most likely other token."""
        t = w.output.tokens()[i]
        alts = [c for c in t.top if c.id != t.id]
        w.text.branches.branch(i, alts[min(rank, len(alts)) - 1].id)
        qt_wait.wait_for(w.sig_run_shown, 120_000)

    branch(20)
    branch(45)
    w.text.branches.show_node(0)
    branch(8, 2)
    w.text.branches.show_node(2)
    w.text.branches.view.setFocus()
    app.processEvents()
    w.grab().save(args.out)
    print(f"wrote {args.out}")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
