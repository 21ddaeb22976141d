"""Training a character-level GPT on a text corpus, as a generator of progress events.

    for event in train_text(TrainConfig(corpus="input.txt", out="m.safetensors")):
        print(event)

The run is checkpointed atomically to `<out>.ckpt` (weights, optimizer, step, RNG state, elapsed
time) so it can resume. The learning rate follows warmup then cosine decay over *progress*, the larger
of step/max_steps and elapsed/time budget, so a run with `minutes` set still anneals properly before
its time is up. The finished file is a model file whose card records data, metrics and recipe.
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from studio.core.errors import CorpusError
from studio.engine.device import resolve_device
from studio.engine.formats.studio_file import save_model_file, untied_state_dict
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.text.evaluation import evaluate_ids
from studio.engine.tokenizers import CharTokenizer
from studio.engine.train.loop import (
    RateMeter,
    Schedule,
    TrainEvent,
    adamw,
    optimise,
    restore_state,
    save_state,
)

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

    def hyper(self) -> dict:
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        h = dict(PRESETS[self.preset])
        h.update(self.overrides)
        return h


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
    if len(text) < min_chars:
        raise CorpusError(
            f"{path}: the corpus has {len(text)} characters, fewer than the {min_chars} needed "
            "for one training block plus a held-out block"
        )
    return text


def train_text(cfg: TrainConfig) -> Iterator[TrainEvent]:
    h = cfg.hyper()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    if not 0.0 < cfg.val_fraction < 1.0:
        raise ValueError(f"val_fraction={cfg.val_fraction} must be between 0 and 1")
    block = h["block_size"]
    text = read_corpus(cfg.corpus, min_chars=2 * (block + 1))
    out = Path(cfg.out)
    ckpt_path = out.with_name(out.name + ".ckpt")
    if not out.parent.exists():
        raise CorpusError(f"{out.parent}: the output folder does not exist")

    state = None
    if cfg.resume and ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=True, map_location="cpu")
        tokenizer = CharTokenizer(list(state["vocab"]), eos=state.get("eos"))
    else:
        tokenizer = CharTokenizer.from_text(text)
    data = torch.tensor(tokenizer.encode(text), dtype=torch.long)  # (N,)
    n_val = int(len(data) * cfg.val_fraction)
    if n_val < block + 1 or len(data) - n_val < block + 1:
        raise CorpusError(
            f"{cfg.corpus}: {len(data)} characters leave too little for a block of {block} "
            f"in both the training and the held-out part (val_fraction={cfg.val_fraction})"
        )
    train_ids, val_ids = data[: len(data) - n_val], data[len(data) - n_val :]

    # where training windows may start
    if cfg.align:
        starts = [0]
        pos = text.find(cfg.align)
        limit = len(text) - n_val - block - 1
        while pos >= 0:
            s = pos + len(cfg.align)
            if s > limit:
                break
            starts.append(s)
            pos = text.find(cfg.align, s)
        window_starts = torch.tensor(starts, dtype=torch.long)
    else:
        window_starts = None

    gconf = GPTConfig(
        block_size=block,
        vocab_size=tokenizer.vocab_size,
        n_layer=h["n_layer"],
        n_head=h["n_head"],
        n_embd=h["n_embd"],
        dropout=cfg.dropout,
        bias=h.get("bias", False),
    )
    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    model = GPT(gconf).to(device)  # before the optimiser, whose state follows it
    opt = adamw(model, h["lr"], cfg.weight_decay)
    step, elapsed_before, best_val = 0, 0.0, None
    commands = [cfg.command or " ".join(shlex.quote(a) for a in sys.argv)]
    gen = torch.Generator().manual_seed(cfg.seed)
    if state is not None:
        step, elapsed_before = restore_state(state, model, opt, gen)
        best_val = state.get("val_loss")
        commands = list(state.get("commands", [])) + commands

    schedule = Schedule(
        lr=h["lr"],
        max_steps=cfg.max_steps,
        warmup_steps=cfg.warmup_steps,
        min_lr_ratio=cfg.min_lr_ratio,
        budget_s=cfg.minutes * 60 if cfg.minutes else None,
        elapsed_before=elapsed_before,
    )
    batch = h["batch_size"]
    last_val = best_val

    def get_batch() -> tuple[torch.Tensor, torch.Tensor]:
        if window_starts is not None:
            ix = window_starts[torch.randint(len(window_starts), (batch,), generator=gen)]
        else:
            ix = torch.randint(len(train_ids) - block - 1, (batch,), generator=gen)
        x = torch.stack([train_ids[i : i + block] for i in ix])  # (B, T)
        y = torch.stack([train_ids[i + 1 : i + 1 + block] for i in ix])  # (B, T)
        # drawn on the CPU, so the same batches on any device
        return x.to(device, non_blocking=True), y.to(device, non_blocking=True)

    def estimate_val() -> float:
        model.eval()
        g = torch.Generator().manual_seed(0)  # the same windows every time, so curves compare
        losses = []
        with torch.inference_mode():
            for _ in range(cfg.eval_batches):
                ix = torch.randint(len(val_ids) - block - 1, (batch,), generator=g)
                x = torch.stack([val_ids[i : i + block] for i in ix]).to(device)
                y = torch.stack([val_ids[i + 1 : i + 1 + block] for i in ix]).to(device)
                losses.append(model.loss(x, y).item())
        model.train()
        return sum(losses) / len(losses)

    def save_checkpoint() -> None:
        save_state(
            ckpt_path,
            model,
            opt,
            gen,
            step,
            schedule,
            vocab="".join(tokenizer.chars),
            eos=tokenizer.eos,
            val_loss=last_val,
            hyper=dict(h),
            commands=commands,
        )

    yield TrainEvent(
        "start", step, cfg.max_steps, message=f"{gconf.num_params() / 1e6:.2f}M parameters"
    )
    model.train()
    meter = RateMeter(batch * block)
    while step < cfg.max_steps and schedule.progress(step) < 1.0:
        for g in opt.param_groups:
            g["lr"] = schedule.lr_at(step)
        x, y = get_batch()
        loss = model.loss(x, y)
        optimise(model, opt, loss, cfg.grad_clip)
        step += 1
        yield TrainEvent(
            "step",
            step,
            cfg.max_steps,
            loss=loss.item(),
            tokens_per_s=meter.step(),
            elapsed_s=schedule.elapsed(),
            eta_s=schedule.eta(step),
        )
        if step % cfg.eval_interval == 0:
            last_val = estimate_val()
            yield TrainEvent(
                "eval", step, cfg.max_steps, val_loss=last_val, elapsed_s=schedule.elapsed()
            )
        if step % cfg.checkpoint_interval == 0:
            save_checkpoint()
            yield TrainEvent("checkpoint", step, cfg.max_steps, message=str(ckpt_path))
    save_checkpoint()

    val_nats = evaluate_ids(model, val_ids)
    model = model.to("cpu")  # model files hold CPU tensors
    minutes = schedule.elapsed() / 60
    card = {
        "name": cfg.name or out.stem,
        "title": cfg.title or cfg.name or out.stem,
        "kind": "text-gpt",
        "version": "1",
        "architecture": gconf.to_dict() | {"dropout": 0.0},
        "tokenizer": tokenizer.to_card(),
        "data": {
            "corpus": Path(cfg.corpus).name,
            "characters": len(text),
            "val_fraction": cfg.val_fraction,
            "source": cfg.source,
            "license": cfg.license,
        },
        "metrics": {
            "val_loss_nats_per_token": round(val_nats, 4),
            "val_bits_per_char": round(val_nats / math.log(2), 4),
            "val_tokens": len(val_ids),
        },
        "training": {
            "command": " && ".join(commands),
            "steps": step,
            "minutes": round(minutes, 1),
            "seed": cfg.seed,
            "preset": cfg.preset,
            "hyper": h,
            "tokens_seen": step * batch * block,
            "device": str(device),
        },
    }
    model.eval()
    save_model_file(out, untied_state_dict(model), card, half=cfg.half)
    if cfg.half:
        # report the loss of the weights as stored, so `eval` reproduces the card
        from studio.engine.formats.studio_file import load_state_into, load_tensors

        reloaded = GPT(replace(gconf, dropout=0.0))
        load_state_into(out, reloaded, load_tensors(out))
        half_nats = evaluate_ids(reloaded, val_ids)
        card["metrics"]["val_loss_nats_per_token_float32"] = card["metrics"][
            "val_loss_nats_per_token"
        ]
        card["metrics"]["val_loss_nats_per_token"] = round(half_nats, 4)
        card["metrics"]["val_bits_per_char"] = round(half_nats / math.log(2), 4)
        save_model_file(out, untied_state_dict(model), card, half=True)
        val_nats = half_nats
    yield TrainEvent(
        "done",
        step,
        cfg.max_steps,
        val_loss=val_nats,
        elapsed_s=schedule.elapsed(),
        message=str(out),
    )


def config_as_dict(cfg: TrainConfig) -> dict:
    return asdict(cfg)
