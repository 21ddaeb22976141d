"""Screenshots of the window for the README: the Image tab with a batch of digits drawn and one
pixel's distribution shown; a token's tooltip over probability-coloured text; a token's sampling
stages (the dialog a click on a token opens), and its Attention and Logit lens tabs; what one
pixel of a drawn picture looked at (Look inside, then a click on the pixel).

    python scripts/window_shots.py image docs/screenshot-image.png [--label 7] [--seed 2024]
    python scripts/window_shots.py tooltip docs/screenshot-tooltip.png [--token 5]
    python scripts/window_shots.py stages docs/screenshot-stages.png [--token -1]
    python scripts/window_shots.py attention docs/screenshot-attention.png [--token -1] [--layer L]
    python scripts/window_shots.py lens docs/screenshot-lens.png [--token -1]
    python scripts/window_shots.py overlay docs/screenshot-overlay-emoji.png --model emoji
        [--pixel ROW,COL] [--layer L] [--head H] [--seed S] [--label 3]
    (each with --language zh_CN for the window in Simplified Chinese)

Runs the real window on Qt's offscreen platform (no display needed) with a fresh history, draws at
temperature 1 (the tooltip: generates), points as the mouse would (at the most uncertain pixel, or
at a token), and saves the window as it would be on screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

LANGUAGE = "en"  # the window's language (--language)


def _open_window(model: str, width: int, height: int):
    """(the application, the window with `model` loaded)."""
    from PySide6.QtWidgets import QApplication

    from studio.benchmarks import qt_wait
    from studio.ui.i18n import install_language
    from studio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    install_language(LANGUAGE)
    w = MainWindow(initial_model=model)
    w.resize(width, height)
    w.show()
    qt_wait.wait_for(w.sig_model_ready, 120_000)
    return app, w


def _generate_text(w, prompt: str, settings: dict) -> None:
    """Generate with probability colours on, and wait until the run is on screen."""
    from studio.benchmarks import qt_wait

    w.text.colors_check.setChecked(True)
    w.prompt_edit.setPlainText(prompt)
    w.sampling.set_generation_settings(settings)
    w.generate()
    qt_wait.wait_for(w.sig_run_shown, 120_000)


def shot_image(out: str, label: int | None, seed: int, guidance: float) -> None:
    import numpy as np
    from PySide6.QtTest import QTest

    from studio.benchmarks import qt_wait

    app, w = _open_window("digits", 1600, 1000)
    w.image.set_batch(16)
    w.image.set_label(label)
    w.image.guidance_spin.setValue(guidance)
    w.sampling.set_generation_settings({"seed": seed, "sampling": {"temperature": 1.0}})
    w.generate_image()
    qt_wait.wait_for(w.sig_run_shown, 300_000)
    # point at the most uncertain pixel drawn (a stroke's edge), as the mouse would
    entropy = w.image.pixels.entropy  # (B, H, W)
    sample, row, col = np.unravel_index(int(np.argmax(entropy)), entropy.shape)
    canvas = w.image.canvas
    QTest.mouseMove(canvas, canvas.pixel_rect(int(sample), int(row), int(col)).center())
    app.processEvents()
    w.grab().save(out)
    print(f"wrote {out}")
    w.close()


def shot_tooltip(out: str, token: int) -> None:
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication

    app, w = _open_window("tang-poems", 1500, 920)
    _generate_text(
        w, "《春望》", {"seed": 7, "max_new_tokens": 64, "sampling": {"temperature": 0.8}}
    )
    # hover the middle of the token's first character, as the mouse would
    view = w.output
    cursor = view.textCursor()
    cursor.setPosition(view._starts[token])
    rect = view.cursorRect(cursor)
    pos = rect.center()
    pos.setX(pos.x() + view.fontMetrics().averageCharWidth() // 2)
    view._show_tooltip(pos, view.viewport().mapToGlobal(pos))
    app.processEvents()
    shot = w.grab()
    tips = [t for t in QApplication.topLevelWidgets() if t.isVisible() and t is not w]
    painter = QPainter(shot)
    for tip in tips:  # the tooltip is a window of its own: drawn where it stands over ours
        painter.drawPixmap(tip.pos() - w.pos(), tip.grab())
    painter.end()
    shot.save(out)
    print(f"wrote {out}")
    w.close()


def _stages_of(token: int):
    """The window with a shakespeare run and token `token`'s dialog open (-1: the least sure)."""
    from studio.benchmarks import qt_wait

    _, w = _open_window("shakespeare", 1500, 920)
    sampling = {"temperature": 0.8, "top_k": 20, "top_p": 0.9, "repetition_penalty": 1.1}
    _generate_text(w, "ROMEO:", {"seed": 7, "max_new_tokens": 60, "sampling": sampling})
    if token < 0:  # the step the model was least sure of
        tokens = w.output.tokens()
        token = max(range(len(tokens)), key=lambda i: tokens[i].entropy)
    w.text.inspect_token(token)  # what a click on the token does
    qt_wait.wait_for(w.sig_stages_shown, 60_000)
    return w


def shot_stages(out: str, token: int) -> None:
    w = _stages_of(token)
    w.text.stages_dialog.grab().save(out)
    print(f"wrote {out}")
    w.close()


def shot_inside(out: str, token: int, tab: int, layer: int | None) -> None:
    """The dialog's Attention (tab 1, `layer` from 1 or the average) or Logit lens tab (2)."""
    from studio.benchmarks import qt_wait

    w = _stages_of(token)
    dialog = w.text.stages_dialog
    dialog.tabs.setCurrentIndex(tab)  # what a click on the tab does
    qt_wait.wait_for(w.text.sig_inspection_shown, 60_000)
    if tab == 1 and layer is not None:
        dialog.attention_view.select(layer - 1, None)
    dialog.grab().save(out)
    print(f"wrote {out}")
    w.close()


def shot_overlay(
    out: str, model: str, label: int | None, seed: int, pixel: str | None, layer, head
) -> None:
    """One picture drawn by `model`, then Look inside on `pixel` (default: the least certain
    pixel of the middle rows), `layer` and `head` from 1 (default: the average)."""
    import numpy as np
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from studio.benchmarks import qt_wait

    app, w = _open_window(model, 1400, 860)
    ws = w.image
    ws.set_batch(1)
    ws.set_label(label)
    w.sampling.set_generation_settings({"seed": seed, "sampling": {"temperature": 1.0}})
    w.generate_image()
    qt_wait.wait_for(w.sig_run_shown, 300_000)
    if pixel:
        row, col = (int(x) for x in pixel.split(","))
    else:
        entropy = ws.pixels.entropy[0].copy()  # (H, W)
        H = entropy.shape[0]
        entropy[: H // 2] = entropy[3 * H // 4 :] = -1
        row, col = (int(x) for x in np.unravel_index(int(np.argmax(entropy)), entropy.shape))
    ws.look.check.setChecked(True)
    canvas = ws.canvas
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.pixel_rect(0, row, col).center())
    qt_wait.wait_for(w.engine.sig_pixel_inspected, 60_000)
    app.processEvents()
    if layer is not None:
        ws.look.layer_box.setCurrentIndex(layer)
    if head is not None:
        ws.look.head_box.setCurrentIndex(head)
    QTest.mouseMove(canvas, canvas.pixel_rect(0, row, col).center())
    app.processEvents()
    w.grab().save(out)
    print(f"wrote {out}: pixel ({row}, {col})")
    w.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["image", "tooltip", "stages", "attention", "lens", "overlay"])
    p.add_argument("out")
    p.add_argument("--label", default="7", help="a digit, or 'any'")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--guidance", type=float, default=1.0)
    p.add_argument(
        "--token",
        type=int,
        help="the generated token to point at (tooltip: default 5) or click (stages, attention, "
        "lens: default the least certain)",
    )
    p.add_argument(
        "--layer", type=int, help="attention, overlay: the layer shown (default the average)"
    )
    p.add_argument("--head", type=int, help="overlay: the head shown (default the average)")
    p.add_argument("--model", default="emoji", help="overlay: the image model (emoji, digits)")
    p.add_argument("--pixel", help="overlay: ROW,COL (default the least certain, mid-picture)")
    p.add_argument("--language", default="en", choices=["en", "zh_CN"])
    a = p.parse_args()
    global LANGUAGE
    LANGUAGE = a.language
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["AIGC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="aigc-shots-")
    if a.what == "tooltip":
        shot_tooltip(a.out, 5 if a.token is None else a.token)
        return 0
    if a.what == "stages":
        shot_stages(a.out, -1 if a.token is None else a.token)
        return 0
    if a.what in ("attention", "lens"):
        tab = 1 if a.what == "attention" else 2
        shot_inside(a.out, -1 if a.token is None else a.token, tab, a.layer)
        return 0
    label = None if a.label == "any" else int(a.label)
    if a.what == "overlay":
        label = label if a.model != "emoji" else None
        shot_overlay(a.out, a.model, label, a.seed, a.pixel, a.layer, a.head)
        return 0
    shot_image(a.out, label, a.seed, a.guidance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
