"""The record of a text run, built from its event batches as they arrive in the window.

If the run never ends (the engine process died), `record(stop_reason)` still keeps sample 0's text
so far, with timings measured where the batches arrived.
"""

from __future__ import annotations

import time

from studio.core.events import DoneEvent, StartEvent, TokenEvent
from studio.io.run import RunRecord


class TextRun:
    """Collects a text run's events (sample 0); `record()` is its RunRecord. model: name, title,
    path."""

    def __init__(self, model: dict, prompt: str, t0: float | None = None) -> None:
        self.model = model
        self.prompt = prompt
        self.start: StartEvent | None = None
        self.done: DoneEvent | None = None
        self.tokens: list[TokenEvent] = []
        self.t0 = time.perf_counter() if t0 is None else t0  # when the run was asked for
        self.first_at: float | None = None  # when the first token arrived
        self.last_at: float | None = None  # when the latest token arrived

    def add(self, batch: list, at: float | None = None) -> None:
        """Take in one batch of events (`at`: when it arrived, perf_counter)."""
        n = len(self.tokens)
        for ev in batch:
            kind = type(ev)
            if kind is TokenEvent:
                if ev.sample == 0:
                    self.tokens.append(ev)
            elif kind is StartEvent:
                self.start = ev
            elif kind is DoneEvent and ev.sample == 0:
                self.done = ev
        if len(self.tokens) > n:
            now = time.perf_counter() if at is None else at
            if self.first_at is None:
                self.first_at = now
            self.last_at = now

    def ended_early(self, stop_reason: str) -> DoneEvent:
        """The DoneEvent of a run that did not end, as far as it got."""
        first, last, n = self.first_at, self.last_at, len(self.tokens)
        span = (last - first) if first is not None and last is not None else 0.0
        return DoneEvent(
            sample=0,
            text="".join(t.text for t in self.tokens),
            tokens=n,
            stop_reason=stop_reason,
            ttft_ms=(first - self.t0) * 1000 if first is not None else 0.0,
            tokens_per_s=(n - 1) / span if span > 0 else 0.0,
            prompt=self.prompt,
        )

    def record(self, stop_reason: str | None = None) -> RunRecord | None:
        """The run's record; None if it never started, or did not end and no `stop_reason` (e.g.
        "engine-died") is given to mark it with."""
        if self.start is None:
            return None
        done = self.done
        if done is None:
            if stop_reason is None:
                return None
            done = self.ended_early(stop_reason)
        return RunRecord.from_events(
            self.model, self.prompt, self.start.settings, self.start, done, self.tokens
        )
