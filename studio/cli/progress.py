"""A one-line progress display for training on a terminal (plain lines when not a TTY)."""

from __future__ import annotations

from typing import TextIO


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "--:--"
    s = int(s)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


class TrainProgress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.val: float | None = None
        self._last_plain = -1

    def show(self, e) -> None:  # e: TrainEvent
        if e.kind == "start":
            self._line(f"training: {e.message}; starting at step {e.step}", newline=True)
        elif e.kind == "eval":
            self.val = e.val_loss
            self._line(f"step {e.step}: held-out loss {e.val_loss:.4f} nats/token", newline=True)
        elif e.kind == "done":
            self._line(
                f"done: {e.message}, held-out loss {e.val_loss:.4f} nats/token, "
                f"{_fmt_time(e.elapsed_s)} in all",
                newline=True,
            )
        elif e.kind == "step":
            frac = min(1.0, e.elapsed_s / (e.elapsed_s + e.eta_s)) if e.eta_s else 0.0
            bar = "#" * int(frac * 24)
            text = (
                f"[{bar:<24}] {frac:4.0%} step {e.step} loss {e.loss:.4f} "
                f"{e.tokens_per_s:,.0f} tok/s elapsed {_fmt_time(e.elapsed_s)} "
                f"left {_fmt_time(e.eta_s)}"
            )
            if self.tty:
                self._line(text)
            elif e.step // 50 != self._last_plain:
                self._last_plain = e.step // 50
                self._line(text, newline=True)

    def _line(self, text: str, newline: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if newline else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
