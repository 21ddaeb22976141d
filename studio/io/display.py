"""How numbers and token texts are written for people, the same in the window and the terminal."""

from __future__ import annotations


def pct(p: float) -> str:
    """A probability as a percentage that stays readable when small: 12.3%, 0.042%."""
    return f"{p:.1%}" if p >= 0.001 or p == 0 else f"{p * 100:.2g}%"


def show_text(s: str) -> str:
    """A token's text made visible on its own (newlines, tabs and spaces shown as symbols)."""
    return s.replace("\n", "⏎").replace("\t", "⇥").replace(" ", "␣") or "∅"
