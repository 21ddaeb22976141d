"""How numbers and token texts are written for people, the same in the window and the terminal."""

from __future__ import annotations


def pct(p: float) -> str:
    """A probability as a percentage that stays readable when small: 12.3%, 0.042%."""
    return f"{p:.1%}" if p >= 0.001 or p == 0 else f"{p * 100:.2g}%"


def show_text(s: str) -> str:
    """A token's text made visible on its own (newlines, tabs and spaces shown as symbols)."""
    return s.replace("\n", "⏎").replace("\t", "⇥").replace(" ", "␣") or "∅"


def stage_table_rows(stages: list) -> list[tuple[int, str]]:
    """(id, text) of the tokens a table of core.stages.StageDistribution shows: the union of
    every stage's top n (those it leaves possible: a stage that keeps fewer than n tokens adds
    only those) and the drawn token, in the order a table shows them: most likely in the
    distribution drawn from first, then by the model's own probability (tokens the chain cut keep
    the model's order). Free of torch, for the window's GUI thread."""
    first, last = stages[0], stages[-1]
    texts = {c.id: c.text for s in stages for c in (*s.top, s.chosen)}
    shown = {last.chosen.id, *(c.id for s in stages for c in s.top if c.prob > 0)}
    ids = sorted(shown, key=lambda i: (-last.probs[i], -first.probs[i]))
    return [(i, texts[i]) for i in ids]
