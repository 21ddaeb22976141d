"""Inside one token's step, as plain data: the attention its query paid to the context and the
logit lens (each layer's guess at the next token), computed by the engine, shown by the window and
the command line. Layers are counted as the views say them: lens row 0 is the embedding (the input
to the first block), row i the output of block i."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.core.events import Candidate

ATTENTION = "attention"
LENS = "lens"
WHAT = (ATTENTION, LENS)  # what an inspection can be asked for


@dataclass(frozen=True)
class ContextToken:
    """One token the model read at that step."""

    id: int
    text: str
    step: int  # the generated token it is (its step), or -1 for a token of the prompt


@dataclass(frozen=True, eq=False)
class AttentionMap:
    """weights: (layers, heads, context) float32, what the drawn token's query (at the last
    context position) paid each context token; each row sums to 1."""

    weights: np.ndarray

    @property
    def layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def heads(self) -> int:
        return int(self.weights.shape[1])

    def row(self, layer: int | None = None, head: int | None = None) -> np.ndarray:
        """(context,): one layer's head (from 0), averaged over heads (head None), over layers
        too (layer None)."""
        w = self.weights if layer is None else self.weights[layer : layer + 1]
        w = w if head is None else w[:, head : head + 1]
        return w.mean(axis=(0, 1))


@dataclass(frozen=True)
class LensLayer:
    """The final norm and the unembedding applied to the residual stream at one depth."""

    layer: int  # 0: the embedding, i: after block i
    top: tuple[Candidate, ...]  # most likely first; prob here, model_prob the model's own
    chosen_prob: float  # the drawn token's probability at this depth
    chosen_rank: int  # its place at this depth, 1 = on top


@dataclass(frozen=True)
class LogitLens:
    layers: tuple[LensLayer, ...]  # the embedding, then after each block; the last is the model's
    first_on_top: int | None  # the first depth (a LensLayer.layer) where the drawn token leads

    @staticmethod
    def first_leading(layers: tuple[LensLayer, ...]) -> int | None:
        return next((x.layer for x in layers if x.chosen_rank == 1), None)


@dataclass(frozen=True, eq=False)
class Inspection:
    """Token `step` of a run (id `chosen`), and what was asked of it."""

    step: int
    chosen: ContextToken
    context: tuple[ContextToken, ...]  # what the model read, oldest first; its query is the last
    attention: AttentionMap | None  # None when not asked for
    lens: LogitLens | None

    def to_dict(self) -> dict:
        """Plain JSON-ready values (the command line's --json)."""
        from dataclasses import asdict

        out: dict = {
            "step": self.step,
            "chosen": asdict(self.chosen),
            "context": [asdict(t) for t in self.context],
        }
        if self.attention is not None:
            out["attention"] = self.attention.weights.tolist()
        if self.lens is not None:
            out["lens"] = asdict(self.lens)
        return out
