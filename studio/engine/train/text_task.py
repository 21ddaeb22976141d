"""Training a character-level GPT on a text corpus, as a generator of progress events.

    for event in train_text(TrainConfig(corpus="input.txt", out="m.safetensors")):
        print(event)

`TextTask` is what text brings to the one training loop (trainer.py): the corpus, its held-out
tail, the GPT, its loss in nats per token and the card. The loop checkpoints atomically to
`<out>.ckpt` (weights, optimizer, step, RNG state, elapsed time, here the vocabulary) so the run can
resume; the learning rate follows warmup then cosine decay over *progress*, the larger of
step/max_steps and elapsed/time budget, so a run with `minutes` set still anneals properly before its
time is up. The finished file is a model file whose card records data, metrics and recipe.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from studio.core.errors import CorpusError
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.text.evaluation import evaluate_ids
from studio.engine.tokenizers import CharTokenizer
from studio.engine.train.init_from import start_from
from studio.engine.train.loop import TrainEvent
from studio.engine.train.trainer import FinishedRun, Inputs, Watch, run_training

# Sizes that fit a 2-core laptop-class CPU. tokens/s are rough, measured with 2 threads.
PRESETS: dict[str, dict] = {
    "tiny": dict(n_layer=2, n_head=2, n_embd=32, block_size=32, batch_size=8, lr=3e-3),
    "small": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12, lr=1e-3),
    "medium": dict(n_layer=6, n_head=6, n_embd=192, block_size=128, batch_size=32, lr=1.5e-3),
    "large": dict(n_layer=6, n_head=6, n_embd=256, block_size=192, batch_size=32, lr=1e-3),
}


@dataclass
class TrainConfig:
    corpus: str  # UTF-8 text file
    out: str  # model file to write (.safetensors)
    preset: str = "small"
    name: str | None = None  # model name in the card; defaults to the file stem
    title: str | None = None
    max_steps: int = 5000
    minutes: float | None = None  # time budget; the schedule anneals to it
    seed: int = 1337
    val_fraction: float = 0.1  # held out from the end of the corpus, as nanoGPT does
    eval_interval: int = 250
    eval_batches: int = 20
    resume: bool = False
    source: str = ""  # where the data comes from and its license, for the card
    license: str = ""
    align: str | None = None  # if set, training windows start right after this separator
    dropout: float = 0.0
    weight_decay: float = 0.1
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    half: bool = False  # store float16 weights
    threads: int | None = None
    device: str = "auto"  # auto: a GPU if there is one
    checkpoint_interval: int = 250
    overrides: dict = field(default_factory=dict)  # per-field preset overrides (n_layer=..., ...)
    command: str = ""  # recorded in the card
    init_from: str | None = None  # a text model file to fine-tune: its sizes and vocabulary

    def hyper(self) -> dict:
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        h = dict(PRESETS[self.preset])
        h.update(self.overrides)
        return h


FINE_TUNE_LR = 3e-4  # a fine-tuning run's peak learning rate unless one is given
MAX_UNKNOWN = (
    0.05  # share of a corpus's characters a fine-tuned model may lack (they become spaces)
)


def read_corpus(path: str | Path, min_chars: int) -> str:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CorpusError(f"{path}: {e.strerror or e}") from None
    if not raw.strip():
        raise CorpusError(f"{path}: the corpus is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text (bad byte at offset {e.start})") from None
    if "\x00" in text:
        raise CorpusError(f"{path}: a binary file, not text (it has NUL bytes)")
    if len(text) < min_chars:
        raise CorpusError(
            f"{path}: the corpus has {len(text)} characters, fewer than the {min_chars} needed "
            "for one training block plus a held-out block"
        )
    return text


class TextTask:
    """A character-level GPT on a corpus: the `TrainingTask` of text (see trainer.py)."""

    per_nat = 1.0  # losses are reported in nats per token

    def __init__(self, cfg: TrainConfig, h: dict, state: dict | None) -> None:
        base = _base_model(cfg.init_from) if cfg.init_from else None
        if base is not None:
            # the model's own sizes; the batch and (unless given) a gentler learning rate
            h = h | base["sizes"] | {"lr": cfg.overrides.get("lr", FINE_TUNE_LR)}
        if state is not None and "hyper" in state:
            h = dict(state["hyper"])
        self.cfg, self.h = cfg, h
        block = self.block = h["block_size"]
        self.text = text = read_corpus(cfg.corpus, min_chars=2 * (block + 1))
        if state is not None:
            self.tokenizer = CharTokenizer(list(state["vocab"]), eos=state.get("eos"))
        elif base is not None:
            self.tokenizer = base["tokenizer"]
        else:
            self.tokenizer = CharTokenizer.from_text(text)
        data = torch.tensor(self.tokenizer.encode(text), dtype=torch.long)  # (N,)
        self.unknown = len(self.tokenizer.last_unknown)
        if self.unknown > MAX_UNKNOWN * len(text):
            raise CorpusError(
                f"{cfg.corpus}: {self.unknown:,} of its {len(text):,} characters are not in "
                f"{Path(cfg.init_from or '').name}'s vocabulary; fine-tune a model of this "
                "language, or train a new one"
            )
        n_val = int(len(data) * cfg.val_fraction)
        if n_val < block + 1 or len(data) - n_val < block + 1:
            raise CorpusError(
                f"{cfg.corpus}: {len(data)} characters leave too little for a block of {block} "
                f"in both the training and the held-out part (val_fraction={cfg.val_fraction})"
            )
        self.train_ids, self.val_ids = data[: len(data) - n_val], data[len(data) - n_val :]
        self.window_starts = _window_starts(text, cfg.align, len(text) - n_val - block - 1)
        self.gconf = GPTConfig(
            block_size=block,
            vocab_size=self.tokenizer.vocab_size,
            n_layer=h["n_layer"],
            n_head=h["n_head"],
            n_embd=h["n_embd"],
            dropout=cfg.dropout,
            bias=h.get("bias", False),
        )
        self.model = GPT(self.gconf)
        self.lr = h["lr"]
        self.units_per_step = h["batch_size"] * block
        self.val_nats = math.nan  # the final held-out loss, as the card reports it

    def describe(self) -> str:
        said = f"{self.gconf.num_params() / 1e6:.2f}M parameters"
        if self.unknown:
            said += f"; {self.unknown:,} characters outside the vocabulary read as spaces"
        return said

    def _windows(self, ids: torch.Tensor, ix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and next-token targets (B, T) of the windows of `ids` starting at `ix` (B,)."""
        x = torch.stack([ids[i : i + self.block] for i in ix])
        y = torch.stack([ids[i + 1 : i + 1 + self.block] for i in ix])
        return x, y

    def batch(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        n = self.h["batch_size"]
        if self.window_starts is not None:
            ix = self.window_starts[torch.randint(len(self.window_starts), (n,), generator=gen)]
        else:
            ix = torch.randint(len(self.train_ids) - self.block - 1, (n,), generator=gen)
        return self._windows(self.train_ids, ix)

    def loss(self, inputs: Inputs) -> torch.Tensor:
        x, y = inputs  # (B, T) each
        if x is None or y is None:
            raise ValueError("a text batch has inputs and targets")
        return self.model.loss(x, y)

    def evaluate(self) -> float:
        """Mean loss over `eval_batches` held-out batches, the same windows every time so that
        curves compare."""
        model = self.model
        device = next(model.parameters()).device
        model.eval()
        g = torch.Generator().manual_seed(0)
        losses = []
        with torch.inference_mode():
            for _ in range(self.cfg.eval_batches):
                n = self.h["batch_size"]
                ix = torch.randint(len(self.val_ids) - self.block - 1, (n,), generator=g)
                x, y = self._windows(self.val_ids, ix)
                losses.append(model.loss(x.to(device), y.to(device)).item())
        model.train()
        return sum(losses) / len(losses)

    def start_from(self) -> dict | None:
        if not self.cfg.init_from:
            return None
        return start_from(self.model, self.cfg.init_from)

    def sample(self, stop: threading.Event) -> str | None:
        """160 characters the current weights write after the first 16 of the held-out text,
        drawn at temperature 0.8 with a fixed seed (so samples compare across steps); None when
        `stop` was set meanwhile."""
        model = self.model
        device = next(model.parameters()).device
        g = torch.Generator().manual_seed(0)
        start = self.val_ids[:16]
        ids = start.tolist()
        with torch.inference_mode():
            for _ in range(160):
                if stop.is_set():
                    return None
                context = torch.tensor([ids[-self.block :]], device=device)  # (1, T)
                logits = model(context, last_only=True)[0, -1].float().cpu() / 0.8  # (V,)
                ids.append(int(torch.multinomial(logits.softmax(-1), 1, generator=g)))
        return self.tokenizer.decode(ids)

    def snapshot_card(self, run: FinishedRun) -> dict:
        return self._card(run, metrics={})

    def checkpoint_extra(self) -> dict:
        tok = self.tokenizer
        return {"vocab": "".join(tok.chars), "eos": tok.eos, "hyper": dict(self.h)}

    def card(self, run: FinishedRun) -> dict:
        self.val_nats = evaluate_ids(self.model, self.val_ids)
        return self._card(run, _metrics(self.val_nats) | {"val_tokens": len(self.val_ids)})

    def _card(self, run: FinishedRun, metrics: dict) -> dict:
        cfg, h = self.cfg, self.h
        name = cfg.name or Path(cfg.out).stem
        training = {
            "command": " && ".join(run.commands),
            "steps": run.steps,
            "minutes": run.minutes,
            "seed": run.seed,
            "preset": cfg.preset,
            "hyper": h,
            "tokens_seen": run.steps * self.units_per_step,
            "device": run.device,
        }
        if run.init_from is not None:
            training["init_from"] = run.init_from
        return {
            "name": name,
            "title": cfg.title or name,
            "kind": "text-gpt",
            "version": "1",
            "architecture": self.gconf.to_dict() | {"dropout": 0.0},
            "tokenizer": self.tokenizer.to_card(),
            "data": {
                "corpus": Path(cfg.corpus).name,
                "characters": len(self.text),
                "val_fraction": cfg.val_fraction,
                "source": cfg.source,
                "license": cfg.license,
            },
            "metrics": metrics,
            "training": training,
        }

    def remeasure(self, out: Path, card: dict) -> dict:
        from studio.engine.formats.studio_file import load_state_into, load_tensors

        stored = GPT(replace(self.gconf, dropout=0.0))
        load_state_into(out, stored, load_tensors(out))
        before = card["metrics"]["val_loss_nats_per_token"]
        self.val_nats = evaluate_ids(stored, self.val_ids)
        card["metrics"] |= _metrics(self.val_nats) | {"val_loss_nats_per_token_float32": before}
        return card

    def final_score(self, card: dict) -> float:
        return self.val_nats


def _base_model(path: str) -> dict:
    """The sizes and vocabulary of the character-level text model to fine-tune."""
    from studio.core.errors import ModelFileError
    from studio.engine.formats.studio_file import read_card

    try:
        card = read_card(path)
    except ModelFileError as e:
        raise CorpusError(f"cannot start from it: {e}") from None
    tok = card.get("tokenizer") or {}
    if card.get("kind") != "text-gpt" or tok.get("type") != "char":
        raise CorpusError(f"{Path(path).name}: only character-level text models can be fine-tuned")
    arch = card.get("architecture") or {}
    sizes = {k: arch[k] for k in ("n_layer", "n_head", "n_embd", "block_size", "bias") if k in arch}
    return {"sizes": sizes, "tokenizer": CharTokenizer.from_card(tok)}


def _metrics(nats: float) -> dict:
    return {
        "val_loss_nats_per_token": round(nats, 4),
        "val_bits_per_char": round(nats / math.log(2), 4),
    }


def _window_starts(text: str, align: str | None, limit: int) -> torch.Tensor | None:
    """Where training windows may start when they start right after `align` (and at 0); None:
    anywhere. `limit` is the last start whose window lies in the training part."""
    if not align:
        return None
    starts = [0]
    pos = text.find(align)
    while pos >= 0:
        s = pos + len(align)
        if s > limit:
            break
        starts.append(s)
        pos = text.find(align, s)
    return torch.tensor(starts, dtype=torch.long)


def train_text(cfg: TrainConfig, watch: Watch | None = None) -> Iterator[TrainEvent]:
    h = cfg.hyper()
    if not 0.0 < cfg.val_fraction < 1.0:
        raise ValueError(f"val_fraction={cfg.val_fraction} must be between 0 and 1")
    yield from run_training(cfg, lambda state: TextTask(cfg, h, state), watch)


def config_as_dict(cfg: TrainConfig) -> dict:
    return asdict(cfg)
