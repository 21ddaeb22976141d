"""The generation protocol: plain, immutable events shared by the CLI, the window, tests and benches.

Each event serialises to one JSON object (`to_json()`), the CLI's `--format jsonl` line and the per-step
trace inside exported `.json` files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Candidate:
    id: int
    text: str
    prob: float  # in the distribution actually sampled from
    model_prob: float  # softmax of the raw logits, temperature 1, no filters


@dataclass(frozen=True)
class StartEvent:
    model: str
    settings: dict
    seed: int
    prompt_tokens: int
    num_samples: int = 1
    event: str = field(default="start", init=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WarningEvent:
    message: str
    event: str = field(default="warning", init=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TokenEvent:
    sample: int
    step: int
    id: int
    text: str  # newly released whole-character text (may be "" while a character is incomplete)
    prob: float
    model_prob: float
    entropy: float  # nats, of the sampled distribution
    top: tuple[Candidate, ...] = ()
    # chosen by hand (a branch's token), not drawn; prob and model_prob are what the model gave it
    by_hand: bool = False
    event: str = field(default="token", init=False)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["top"] = [asdict(c) for c in self.top]
        if not self.by_hand:  # drawn tokens' lines stay as they were
            del d["by_hand"]
        return d


@dataclass(frozen=True)
class PixelEvent:
    sample: int
    step: int
    row: int
    col: int
    channel: int
    value: int  # grey level, or palette index for palette models
    prob: float
    model_prob: float
    entropy: float
    distribution: tuple[float, ...] | None = None  # the sampled distribution, when asked for
    # chosen by hand (a branch's pixel), not drawn; prob and model_prob are what the model gave it
    by_hand: bool = False
    event: str = field(default="pixel", init=False)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        if not self.by_hand:  # drawn pixels' lines stay as they were
            del d["by_hand"]
        return d


@dataclass(frozen=True)
class DoneEvent:
    sample: int
    text: str  # the generated text (prompt excluded); "" for images
    tokens: int  # tokens (pixels) generated
    stop_reason: str  # "length" | "eos" | "stop" | "cancelled"
    ttft_ms: float  # time to first token
    tokens_per_s: float
    prompt: str = ""
    image: Any = None  # numpy array (H, W) or (H, W, 3) uint8 for image models
    event: str = field(default="done", init=False)

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "image"}
        if self.image is not None:
            d["shape"] = list(self.image.shape)
        return d


Event = StartEvent | WarningEvent | TokenEvent | PixelEvent | DoneEvent
