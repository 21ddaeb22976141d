"""What EngineClient keeps of one engine process and of each run it has asked for."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from studio.core.image_frames import ImageRequest
from studio.io.engine_process import EngineProcess
from studio.io.image_run import ImageRun
from studio.io.text_run import TextRun


@dataclass
class _Run:
    """A run asked for and not ended yet."""

    kind: str  # "text" | "image"
    t0: float  # perf_counter when it was asked for
    prompt: str = ""
    request: ImageRequest | None = None
    collector: TextRun | ImageRun | None = None  # made at the first batch (the model is known)
    link: dict | None = None  # a branch: its parent's history id and its fork, for the record
    taken: list = field(default_factory=list)  # TokenEvents taken in step mode before it ran on


@dataclass
class _Session:
    """One engine process and what it has been asked and not yet answered, in order."""

    process: EngineProcess
    pending: deque = field(default_factory=deque)  # ("list",), ("load", path, device), ...
    runs: dict = field(default_factory=dict)  # run id -> _Run
    info: dict | None = None  # the model it has loaded
    dead: bool = False
