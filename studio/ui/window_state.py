"""What the window keeps between sessions (the preferences file, io/preferences.py): the prompt,
the sampling and image settings, probability colours, the last model, the geometry and splitters."""

from __future__ import annotations

import base64
import contextlib

from PySide6.QtCore import QByteArray

from studio.ui.window_fit import fit_to_screen, fit_when_shown, size_for_first_start


def restore_window(w, s: dict) -> None:
    """Put saved preferences `s` back into MainWindow `w`; anything malformed is skipped."""
    gen = s.get("generation")
    if isinstance(gen, dict):
        w.sampling.set_generation_settings(gen)
    if isinstance(s.get("prompt"), str):
        w.prompt_edit.setPlainText(s["prompt"])
    # probability colours are what the studio is for: on unless the person switched them off
    w.text.set_colors(bool(s.get("prob_colors", True)))
    image = s.get("image")
    if isinstance(image, dict):
        if isinstance(image.get("batch"), int):
            w.image.set_batch(image["batch"])
        if isinstance(image.get("pace_ms"), int):
            w.image.pace_slider.setValue(image["pace_ms"])  # clamped to its range
        if isinstance(image.get("guidance"), int | float):
            w.image.guidance_spin.setValue(image["guidance"])  # clamped to its range
    restored = {}
    for key, restore in (
        ("geometry", w.restoreGeometry),
        ("main_splitter", w.main_splitter.restoreState),
        ("text_splitter", w.text.splitter.restoreState),
    ):
        raw = s.get(key)
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                restored[key] = restore(QByteArray(base64.b64decode(raw)))
    if restored.get("geometry"):
        fit_to_screen(w)  # saved on a larger screen, or on one no longer there
    else:
        size_for_first_start(w)
    fit_when_shown(w)


def window_values(w, saved: dict, loaded: dict | None) -> dict:
    """MainWindow `w`'s preferences to save now (`saved`: those read at start, for what the
    window cannot say now; `loaded`: the model loaded, if one is)."""

    def enc(b: QByteArray) -> str:
        return base64.b64encode(bytes(b.data())).decode("ascii")

    values = {
        "prompt": w.prompt_edit.toPlainText(),
        "prob_colors": w.output.colors(),
        "geometry": enc(w.saveGeometry()),
        "main_splitter": enc(w.main_splitter.saveState()),
        "text_splitter": enc(w.text.splitter.saveState()),
        "image": {
            "batch": w.image.batch(),
            "pace_ms": w.image.pace_slider.value(),
            "guidance": w.image.guidance_spin.value(),
        },
    }
    last = (loaded or {}).get("path") or saved.get("last_model")
    if last:
        values["last_model"] = last
    for key in ("language", "precision"):  # chosen in View > Language, Run > Precision
        if key in saved:
            values[key] = saved[key]
    gen = w.sampling.generation_settings()
    values["generation"] = gen if gen is not None else saved.get("generation", {})
    return values
