"""Training an English→Chinese encoder–decoder on sentence pairs, as a generator of progress events.

    for event in train_translate(TranslateConfig(data="shared/data/tatoeba-cmn-eng", out="m.safetensors")):
        print(event)

`TranslateTask` is what translation brings to the one training loop (trainer.py): the pairs and
their held-out part (text/translation_data.py), the tokenizers (a byte-level BPE trained on the
training English, one token per Chinese character), the Seq2Seq network, batches made by token
count from pairs of similar length, a label-smoothed loss, and a card whose metrics are BLEU and
chrF on the held-out pairs (text/translation_eval.py). The tokenizers travel in the checkpoint, so a
resumed run encodes exactly as the first did.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from studio.engine.networks.seq2seq import Seq2Seq, Seq2SeqConfig
from studio.engine.text.translation_data import (
    BOS,
    EOS,
    read_pairs,
    split_pairs,
    target_tokenizer,
    train_source_tokenizer,
)
from studio.engine.tokenizers import BPETokenizer
from studio.engine.train.loop import TrainEvent
from studio.engine.train.trainer import FinishedRun, Inputs, run_training

# Sized for about 85 minutes of one CPU thread: ~7.5M parameters, batches of ~3000 tokens.
HYPER: dict = dict(
    d_model=256,
    n_head=4,
    enc_layers=3,
    dec_layers=3,
    d_ff=1024,
    max_src=96,
    max_tgt=64,
    src_vocab=4000,
    batch_tokens=3000,  # source + target tokens in a batch, padding included
    lr=1e-3,
    dropout=0.1,
    label_smoothing=0.1,
)

SOURCE = "Tatoeba (tatoeba.org) English–Mandarin pairs via manythings.org (cmn.txt)"
LICENSE = "CC BY 2.0 FR"


@dataclass
class TranslateConfig:
    data: str  # folder with cmn.txt, or the file
    out: str  # model file to write (.safetensors)
    name: str | None = None
    title: str | None = None
    heldout: int = 1000  # pairs held out, by English sentence
    max_steps: int = 100_000
    minutes: float | None = None
    seed: int = 1337
    eval_interval: int = 250
    checkpoint_interval: int = 250
    resume: bool = False
    warmup_steps: int = 300
    min_lr_ratio: float = 0.05
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    half: bool = True  # float16 weights keep the file small
    threads: int | None = None
    device: str = "auto"
    beam_width: int = 4  # the card's beam-search metrics
    overrides: dict = field(default_factory=dict)  # --set KEY=VALUE on HYPER
    command: str = ""

    def hyper(self) -> dict:
        unknown = set(self.overrides) - set(HYPER)
        if unknown:
            raise ValueError(
                f"unknown setting {', '.join(sorted(unknown))}; known: {', '.join(HYPER)}"
            )
        return HYPER | self.overrides


class TranslateTask:
    """The `TrainingTask` of translation (see trainer.py)."""

    per_nat = 1.0

    def __init__(self, cfg: TranslateConfig, state: dict | None) -> None:
        self.cfg = cfg
        h = self.h = cfg.hyper() if state is None else dict(state["hyper"])
        pairs = read_pairs(cfg.data)
        self.n_pairs = len(pairs)
        self.train_pairs, self.heldout = split_pairs(pairs, cfg.heldout, cfg.seed)
        if state is not None:
            self.src_tok = BPETokenizer(state["src_tokenizer"], eos=None)
            self.tgt_tok = target_tokenizer(vocab=state["tgt_vocab"])
        else:
            self.src_tok = train_source_tokenizer(
                [en for en, _ in self.train_pairs], h["src_vocab"]
            )
            self.tgt_tok = target_tokenizer([zh for _, zh in self.train_pairs])
        self.config = Seq2SeqConfig(
            src_vocab=self.src_tok.vocab_size,
            tgt_vocab=self.tgt_tok.vocab_size,
            d_model=h["d_model"],
            n_head=h["n_head"],
            enc_layers=h["enc_layers"],
            dec_layers=h["dec_layers"],
            d_ff=h["d_ff"],
            max_src=h["max_src"],
            max_tgt=h["max_tgt"],
            dropout=h["dropout"],
        )
        self.model = Seq2Seq(self.config)
        self.lr = h["lr"]
        self.units_per_step = h["batch_tokens"]
        self.train_ids = self._encode(self.train_pairs)
        self.heldout_ids = self._encode(self.heldout)
        # training pairs by length, ties in a fixed random order, so that a batch of neighbours
        # has little padding and still mixes sentences
        g = torch.Generator().manual_seed(cfg.seed)
        tie = torch.randperm(len(self.train_ids), generator=g).tolist()
        self.by_length = sorted(range(len(self.train_ids)), key=lambda i: (self._len(i), tie[i]))
        self.val_nats = math.nan
        self.metrics: dict = {}

    def _encode(self, pairs: list[tuple[str, str]]) -> list[tuple[list[int], list[int]]]:
        """(source ids, BOS + target ids + EOS), each cut to the model's positions."""
        c = self.config
        out = []
        for en, zh in pairs:
            tgt = self.tgt_tok.encode(BOS + zh + EOS)
            out.append((self.src_tok.encode(en)[: c.max_src], tgt[: c.max_tgt + 1]))
        return out

    def _len(self, i: int) -> int:
        s, t = self.train_ids[i]
        return max(len(s), len(t))

    def describe(self) -> str:
        return (
            f"{self.model.num_params() / 1e6:.2f}M parameters, {len(self.train_pairs)} training "
            f"pairs, {len(self.heldout)} held out, vocabularies {self.config.src_vocab} English "
            f"BPE / {self.config.tgt_vocab} Chinese characters"
        )

    def _collate(self, rows: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, ...]:
        """src (B, S) padded with 0, tgt_in (B, T) padded with 0, tgt_out (B, T) with -100."""
        S = max(len(s) for s, _ in rows)
        T = max(len(t) for _, t in rows) - 1
        src = torch.zeros(len(rows), S, dtype=torch.long)
        tin = torch.zeros(len(rows), T, dtype=torch.long)
        tout = torch.full((len(rows), T), -100, dtype=torch.long)
        for i, (s, t) in enumerate(rows):
            src[i, : len(s)] = torch.tensor(s)
            tin[i, : len(t) - 1] = torch.tensor(t[:-1])
            tout[i, : len(t) - 1] = torch.tensor(t[1:])
        return src, tin, tout

    def batch(self, gen: torch.Generator) -> Inputs:
        """Neighbours in length order from a random start, as many as fit `batch_tokens`."""
        n_all = len(self.by_length)
        start = int(torch.randint(n_all, (1,), generator=gen))
        budget = self.h["batch_tokens"]
        n = max(1, budget // (2 * self._len(self.by_length[start])))
        last = self.by_length[min(start + n - 1, n_all - 1)]
        n = max(1, budget // (2 * self._len(last)))
        rows = [self.train_ids[self.by_length[(start + j) % n_all]] for j in range(n)]
        return self._collate(rows)

    def loss(self, inputs: Inputs) -> torch.Tensor:
        src, tin, tout = inputs
        if src is None or tin is None or tout is None:
            raise ValueError("a translation batch has sources, target inputs and targets")
        return self.model.loss(src, tin, tout, smoothing=self.h["label_smoothing"])

    def heldout_loss(self, model: Seq2Seq) -> float:
        """Mean nats per target token (EOS included) on the held-out pairs, no smoothing."""
        device = next(model.parameters()).device
        was_training = model.training
        model.eval()
        total, count = 0.0, 0
        with torch.inference_mode():
            for i in range(0, len(self.heldout_ids), 100):
                src, tin, tout = self._collate(self.heldout_ids[i : i + 100])
                n = int((tout != -100).sum())
                total += model.loss(src.to(device), tin.to(device), tout.to(device)).item() * n
                count += n
        model.train(was_training)
        return total / max(count, 1)

    def evaluate(self) -> float:
        return self.heldout_loss(self.model)

    def start_from(self) -> None:
        return None

    def checkpoint_extra(self) -> dict:
        return {
            "src_tokenizer": self.src_tok.to_card()["tokenizer_json"],
            "tgt_vocab": "".join(self.tgt_tok.chars),
            "hyper": dict(self.h),
        }

    def _measure(self, model: Seq2Seq) -> dict:
        from studio.engine.text.translation_eval import score_pairs

        self.val_nats = self.heldout_loss(model)
        scores = score_pairs(model, self.src_tok, self.tgt_tok, self.heldout, self.cfg.beam_width)
        return {"heldout_loss_nats_per_token": round(self.val_nats, 4)} | scores

    def card(self, run: FinishedRun) -> dict:
        cfg = self.cfg
        name = cfg.name or Path(cfg.out).stem
        self.model.eval()
        return {
            "name": name,
            "title": cfg.title or "English → Chinese (Tatoeba)",
            "kind": "translate-seq2seq",
            "version": "1",
            "architecture": self.config.to_dict() | {"dropout": 0.0},
            "tokenizer": {
                "source": self.src_tok.to_card(),
                "target": self.tgt_tok.to_card() | {"bos": BOS, "pad": "\x00", "unk": "\ufffd"},
            },
            "data": {
                "corpus": "tatoeba-cmn-eng/cmn.txt",
                "pairs": self.n_pairs,
                "train_pairs": len(self.train_pairs),
                "heldout_pairs": len(self.heldout),
                "split": f"held out by English sentence, random with seed {cfg.seed}",
                "chinese": "simplified with OpenCC t2s",
                "source": SOURCE,
                "license": LICENSE,
            },
            "metrics": self._measure(self.model),
            "training": {
                "command": " && ".join(run.commands),
                "steps": run.steps,
                "minutes": run.minutes,
                "seed": run.seed,
                "hyper": self.h,
                "device": run.device,
            },
        }

    def remeasure(self, out: Path, card: dict) -> dict:
        from studio.engine.formats.studio_file import load_state_into, load_tensors

        stored = Seq2Seq(Seq2SeqConfig.from_dict(card["architecture"]))
        load_state_into(out, stored, load_tensors(out))
        before = card["metrics"]
        card["metrics"] = self._measure(stored.eval()) | {
            "float32": {k: v for k, v in before.items() if k != "float32"}
        }
        return card

    def final_score(self, card: dict) -> float:
        return self.val_nats


def train_translate(cfg: TranslateConfig) -> Iterator[TrainEvent]:
    yield from run_training(cfg, lambda state: TranslateTask(cfg, state))
