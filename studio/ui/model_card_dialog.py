"""The model card: what a model is, what it was trained on, under which license, how well it does."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from studio.ui.data_words import card_field, card_source


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _count(n: object) -> str | None:
    """A parameter count as people say it: 494 M, 1.54 B."""
    if not isinstance(n, int) or isinstance(n, bool):
        return None
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return str(n)


def summary_rows(info: dict) -> list[tuple[str, object]]:
    """What a model is, in the fields its folder says: architecture, parameters, context length,
    precision, size, license, source (those it does not say are left out)."""
    card = info.get("card") or {}
    arch = card.get("architecture") if isinstance(card.get("architecture"), dict) else {}
    data = card.get("data") if isinstance(card.get("data"), dict) else {}
    size = info.get("size_bytes")
    rows: list[tuple[str, object]] = [
        ("model_class", arch.get("model_class")),
        ("parameters", _count(arch.get("parameters"))),
        ("context_length", arch.get("context_length") or arch.get("block_size")),
        ("precision", arch.get("precision")),
        ("size", f"{size / 1e6:.1f} MB" if isinstance(size, int) else None),
        ("license", data.get("license") or data.get("license_name")),
        ("source", data.get("source") or card.get("source")),
    ]
    return [(k, v) for k, v in rows if v not in (None, "", {}, [])]


def summary_text(info: dict) -> str:
    """The summary as lines "field: value", for the model list's tooltip."""
    return "\n".join(f"{card_field(k)}: {_fmt(v)}" for k, v in summary_rows(info))


def card_html(info: dict) -> str:
    """The card of a model description (name, title, kind, path, size_bytes, source, card) as HTML."""
    card = info.get("card") or {}
    e = html.escape

    def table(rows: list[tuple[str, object]]) -> str:
        body = "".join(
            f"<tr><td><b>{e(card_field(k))}</b></td><td>{e(_fmt(v))}</td></tr>"
            for k, v in rows
            if v not in (None, "", {}, [])
        )
        return f"<table cellspacing=6>{body}</table>" if body else "<p>—</p>"

    def heading(text: str) -> str:
        return f"<h3>{e(text)}</h3>"

    size = info.get("size_bytes")
    parts = [f"<h2>{e(str(info.get('title') or info.get('name')))}</h2>"]
    summary = [(k, v) for k, v in summary_rows(info) if k != "size"]
    parts.append(
        table(
            [
                ("name", info.get("name")),
                ("kind", info.get("kind")),
                *summary,
                ("file", info.get("path")),
                ("size", f"{size / 1e6:.1f} MB" if isinstance(size, int) else None),
                ("from", card_source(info.get("source", "")) or None),
                ("version", card.get("version")),
            ]
        )
    )
    data = card.get("data") or {}
    parts.append(heading(QCoreApplication.translate("ModelCard", "Data and license")))
    parts.append(table(list(data.items()) if isinstance(data, dict) else [("data", data)]))
    metrics = card.get("metrics") or {}
    parts.append(heading(QCoreApplication.translate("ModelCard", "Metrics")))
    parts.append(table(list(metrics.items()) if isinstance(metrics, dict) else []))
    arch = card.get("architecture") or {}
    parts.append(heading(QCoreApplication.translate("ModelCard", "Architecture")))
    parts.append(table(list(arch.items()) if isinstance(arch, dict) else []))
    defaults = card.get("sampling_defaults") or {}  # a Hugging Face folder's generation_config
    if isinstance(defaults, dict) and defaults:
        parts.append(heading(QCoreApplication.translate("ModelCard", "Sampling defaults")))
        parts.append(table(list(defaults.items())))
    training = card.get("training") or {}
    parts.append(heading(QCoreApplication.translate("ModelCard", "Training")))
    parts.append(table(list(training.items()) if isinstance(training, dict) else []))
    return "".join(parts)


class ModelCardDialog(QDialog):
    """Shows one model's card."""

    def __init__(self, info: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            self.tr("Model card — {0}").format(info.get("title") or info.get("name"))
        )
        self.resize(620, 560)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setHtml(card_html(info))
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
