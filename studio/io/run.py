"""One generation run as plain data: what was asked, what came out, and the per-token trace.

The same record is shown in the window, stored in the history database and written by the
exporters. `settings` has the shape of the engine's `GenerationSettings.to_dict()` with `seed` set to
the seed actually used, so that running it again reproduces the text.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from studio.core.events import Candidate, DoneEvent, StartEvent, TokenEvent

RUN_FORMAT = "aigc-studio.run"
RUN_FORMAT_VERSION = 1


class RunFormatError(ValueError):
    """A file or database row that should hold a run does not."""


@dataclass
class RunRecord:
    model_name: str
    model_title: str
    model_path: str
    prompt: str
    text: str  # generated text, prompt excluded
    settings: dict  # GenerationSettings.to_dict() with the seed used
    seed: int
    # "length" | "eos" | "stop" | "cancelled", or "engine-died": the engine process ended mid-run
    # (killed, out of memory) and the record holds what reached the window until then
    stop_reason: str
    tokens: int  # tokens generated; for image runs, pixel positions drawn in each sample
    ttft_ms: float
    tokens_per_s: float  # image runs: positions per second in each sample, as the engine says
    created: float = field(default_factory=time.time)  # unix time the run ended
    trace: list[dict] = field(default_factory=list)  # TokenEvent.to_json() per generated token
    id: int | None = None  # history row id, once stored
    kind: str = "text"  # "text" | "image"
    # image runs: size, label, the pictures (base64 PNG) and per-pixel maps; see io/image_run.py
    media: dict = field(default_factory=dict)
    # image runs: pixels drawn per second over the whole batch (samples x positions). Records
    # written before this field held that number in tokens_per_s; reading them moves it here.
    pixels_per_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("id")
        if self.kind == "text":  # text run files stay exactly as they were
            d.pop("kind")
            d.pop("media")
            d.pop("pixels_per_s")
        return {"format": RUN_FORMAT, "version": RUN_FORMAT_VERSION, **d}

    @classmethod
    def from_json(cls, d: object) -> RunRecord:
        if not isinstance(d, dict) or d.get("format") != RUN_FORMAT:
            raise RunFormatError("not an AIGC Studio run (no 'format': 'aigc-studio.run')")
        if not isinstance(d.get("version"), int) or d["version"] > RUN_FORMAT_VERSION:
            raise RunFormatError(
                f"run format version {d.get('version')!r} is newer than this studio"
            )
        try:
            rec = cls(
                model_name=str(d["model_name"]),
                model_title=str(d.get("model_title") or d["model_name"]),
                model_path=str(d.get("model_path") or ""),
                prompt=str(d["prompt"]),
                text=str(d["text"]),
                settings=dict(d["settings"]),
                seed=int(d["seed"]),
                stop_reason=str(d.get("stop_reason", "")),
                tokens=int(d.get("tokens", 0)),
                ttft_ms=float(d.get("ttft_ms", 0.0)),
                tokens_per_s=float(d.get("tokens_per_s", 0.0)),
                created=float(d.get("created", 0.0)),
                trace=list(d.get("trace") or []),
                kind=str(d.get("kind") or "text"),
                media=dict(d.get("media") or {}),
            )
            rec.pixels_per_s = image_pixels_per_s(rec.kind, d.get("pixels_per_s"), rec.tokens_per_s)
        except (KeyError, TypeError, ValueError) as e:
            raise RunFormatError(f"run is missing or has a bad field: {e}") from None
        if not all(isinstance(t, dict) for t in rec.trace):
            raise RunFormatError("run trace must be a list of token objects")
        return rec

    @classmethod
    def from_events(
        cls,
        model: dict,
        prompt: str,
        settings: dict,
        start: StartEvent,
        done: DoneEvent,
        tokens: list[TokenEvent],
    ) -> RunRecord:
        """The record of a text run (sample 0) from its events. model: name, title, path;
        settings: GenerationSettings.to_dict() (the seed used is taken from the start event)."""
        return cls(
            model_name=model["name"],
            model_title=model["title"],
            model_path=model["path"],
            prompt=prompt,
            text=done.text,
            settings={**settings, "seed": start.seed},
            seed=start.seed,
            stop_reason=done.stop_reason,
            tokens=done.tokens,
            ttft_ms=done.ttft_ms,
            tokens_per_s=done.tokens_per_s,
            trace=[trace_entry(e) for e in tokens],
        )

    def first_words(self, n: int = 8) -> str:
        words = (self.prompt + self.text).split()
        return " ".join(words[:n])


def image_pixels_per_s(kind: str, stored: object, tokens_per_s: float) -> float:
    """An image run's pixels per second: as stored, or from tokens_per_s in a record written
    before the field existed (which held this number there); 0 for text runs."""
    if kind != "image":
        return 0.0
    if stored is None:
        return float(tokens_per_s)
    return float(stored)  # type: ignore[arg-type]


def trace_entry(e: TokenEvent) -> dict:
    """TokenEvent.to_json(), written out: dataclasses.asdict is slow for a per-token trace."""
    if e.hand:  # picked by hand in step mode
        return {**_trace_entry(e), "hand": True}
    return _trace_entry(e)


def _trace_entry(e: TokenEvent) -> dict:
    return {
        "sample": e.sample,
        "step": e.step,
        "id": e.id,
        "text": e.text,
        "prob": e.prob,
        "model_prob": e.model_prob,
        "entropy": e.entropy,
        "top": [
            {"id": c.id, "text": c.text, "prob": c.prob, "model_prob": c.model_prob} for c in e.top
        ],
        "event": "token",
    }


def trace_events(trace: list[dict]) -> list[TokenEvent]:
    """The TokenEvents of sample 0 back from a trace; ValueError if the trace is malformed."""
    try:
        return [
            TokenEvent(
                sample=int(d.get("sample", 0)),
                step=int(d["step"]),
                id=int(d["id"]),
                text=str(d["text"]),
                prob=float(d["prob"]),
                model_prob=float(d["model_prob"]),
                entropy=float(d["entropy"]),
                top=tuple(
                    Candidate(
                        int(c["id"]), str(c["text"]), float(c["prob"]), float(c["model_prob"])
                    )
                    for c in d.get("top") or ()
                ),
                hand=bool(d.get("hand", False)),
            )
            for d in trace
            if d.get("sample", 0) == 0
        ]
    except (KeyError, TypeError, AttributeError) as e:
        raise RunFormatError(f"bad token in the trace: {e}") from None
