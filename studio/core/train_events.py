"""What a training run says while it runs, and what the window asks of the training process.

Torch-free plain data, so it crosses `core.wire` between the training process and the window:

- `TrainEvent`: one event of a run (start, step, eval, sample, checkpoint, snapshot, stopped, done);
- `TrainSpec`: a run the window asks for (data, start, budget, learning rate, where to save);
- `SnapshotTopK`: one saved snapshot's distribution for a token, for "train, then explain".
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

# the kinds of model the Train tab trains; text is a character-level GPT
TRAIN_KINDS = ("text", "digits", "emoji")
TEXT_PRESETS = ("tiny", "small")  # a new text model's sizes offered in the window


@dataclass(frozen=True)
class TrainEvent:
    kind: (
        str  # "start" | "step" | "eval" | "sample" | "checkpoint" | "snapshot" | "stopped" | "done"
    )
    step: int
    max_steps: int
    loss: float | None = None
    val_loss: float | None = None
    tokens_per_s: float = 0.0  # tokens (text) or dimensions (images) per second
    elapsed_s: float = 0.0
    eta_s: float | None = None
    message: str = ""  # start: what trains; checkpoint/snapshot/stopped/done: the file written
    lr: float | None = None  # step events: the learning rate this step used
    unit: str = ""  # start: the loss's unit ("nats/token", "bits/dim")
    sample: Any = None  # sample events: a str (text) or a (H, W, 3) uint8 numpy grid (images)


@dataclass(frozen=True)
class TrainSpec:
    """A training run as the Train tab asks for it; `command()` is the same run on the command
    line, which the model card records."""

    kind: str  # one of TRAIN_KINDS
    data: str  # text: a UTF-8 file; digits: an MNIST folder; emoji: a folder or .tar.gz of PNGs
    out: str  # the model file to write; the checkpoint is <out>.ckpt, the loss log <out>.loss.jsonl
    preset: str = "tiny"  # a new text model's size (ignored when init_from is set)
    init_from: str | None = None  # a model file to fine-tune
    max_steps: int = 2000
    minutes: float | None = None
    lr: float | None = None  # None: the preset's (or the image kind's) own
    resume: bool = False
    seed: int = 1337
    eval_interval: int = 50
    sample_every: int = 100
    snapshot_every: int = 100
    threads: int | None = None
    device: str = "auto"

    def command(self) -> str:
        """The equivalent `aigc-studio train ...` command line."""
        if self.kind == "text":
            args = ["train", "text", "--corpus", self.data, "--out", self.out]
            args += ["--init-from", self.init_from] if self.init_from else ["--preset", self.preset]
        else:
            args = ["train", "image", "--model-kind", self.kind, "--data", self.data]
            args += ["--out", self.out]
            if self.init_from:
                args += ["--init-from", self.init_from]
        args += ["--max-steps", str(self.max_steps), "--eval-interval", str(self.eval_interval)]
        if self.minutes:
            args += ["--minutes", f"{self.minutes:g}"]
        if self.lr:
            args += (
                ["--lr", f"{self.lr:g}"] if self.kind == "text" else ["--set", f"lr={self.lr:g}"]
            )
        if self.snapshot_every:
            args += ["--snapshot-every", str(self.snapshot_every)]
        if self.seed != 1337:
            args += ["--seed", str(self.seed)]
        if self.resume:
            args.append("--resume")
        return "aigc-studio " + " ".join(shlex.quote(a) for a in args)


@dataclass(frozen=True)
class SnapshotTopK:
    """One snapshot's next-token distribution at a position of a prompt."""

    step: int
    top: list[tuple[str, float]]  # the k most likely tokens and their probabilities, best first
    actual: str | None = None  # the prompt's own token at that position, when there is one
    actual_prob: float | None = None  # its probability
