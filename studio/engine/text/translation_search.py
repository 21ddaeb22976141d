"""Decoding a translation without sampling: greedy over a batch of sources, and beam search.

    ids = greedy_batch(model, [[5, 9, 2], [7, 3]], bos, eos)      # [[target ids], ...]
    best = beam_search(model, [5, 9, 2], bos, eos, width=4)       # Hypothesis, EOS excluded

Beam search keeps the `width` best partial targets by summed log-probability; a target that ends
(EOS) is scored by its summed log-probability divided by its length (EOS counted), as transformers'
length_penalty=1.0, and the search stops once `width` targets have ended (early stopping) or the
model's positions run out. Each step expands every live target by its 2 × width best tokens, so at
width 1 it takes the single best token every step: exactly greedy decoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from studio.engine.networks.seq2seq import Seq2Seq


def banned_ids(tok) -> tuple[int, ...]:
    """The target ids a translation never produces: padding, start, and the unknown character."""
    from studio.engine.text.translation_data import BOS, PAD, UNK

    return tuple(tok.stoi[c] for c in (PAD, BOS, UNK) if c in tok.stoi)


def ban(logits: torch.Tensor, banned: Sequence[int]) -> torch.Tensor:
    """logits (B, V) with the `banned` ids at -inf (in place)."""
    if banned:
        logits[:, list(banned)] = float("-inf")
    return logits


def source_tensor(src: list[list[int]], pad: int, device: torch.device) -> torch.Tensor:
    """Sources of different lengths as one (B, S) batch padded with `pad`."""
    S = max(1, max(len(s) for s in src))
    out = torch.full((len(src), S), pad, dtype=torch.long, device=device)
    for i, s in enumerate(src):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out


@torch.inference_mode()
def greedy_batch(
    model: Seq2Seq,
    src: list[list[int]],
    bos: int,
    eos: int,
    max_len: int | None = None,
    banned: Sequence[int] = (),
) -> list[list[int]]:
    """The greedy target of each source (EOS excluded), decoded as one batch with the cache."""
    c = model.config
    max_len = min(max_len or c.max_tgt, c.max_tgt)
    device = next(model.parameters()).device
    x = source_tensor(src, c.src_pad, device)
    cache = model.new_cache(model.encode(x), x)
    B = len(src)
    ids = torch.full((B,), bos, dtype=torch.long, device=device)
    out: list[list[int]] = [[] for _ in range(B)]
    done = [False] * B
    for _ in range(max_len):
        ids = ban(model.step(ids, cache), banned).argmax(dim=-1)  # (B,)
        for i, t in enumerate(ids.tolist()):
            if not done[i]:
                if t == eos:
                    done[i] = True
                else:
                    out[i].append(t)
        if all(done):
            break
    return out


@dataclass
class Hypothesis:
    ids: list[int]  # target ids, BOS and EOS excluded
    logprob: float  # summed log-probability, EOS included when ended
    ended: bool
    # per token: (log-probability of the chosen token, the step's log-probabilities (V,))
    steps: list[tuple[float, torch.Tensor]] = field(default_factory=list, repr=False)

    @property
    def score(self) -> float:
        return self.logprob / (len(self.ids) + (1 if self.ended else 0) or 1)


@torch.inference_mode()
def beam_search(
    model: Seq2Seq,
    src: list[int],
    bos: int,
    eos: int,
    width: int,
    max_len: int | None = None,
    keep_steps: bool = False,
    banned: Sequence[int] = (),
) -> Hypothesis:
    """The best target of one source by beam search of `width` (see the module's docstring).
    keep_steps: each hypothesis keeps its steps' log-probabilities (for the events' alternatives)."""
    if width < 1:
        raise ValueError(f"the beam width must be at least 1, got {width}")
    c = model.config
    max_len = min(max_len or c.max_tgt, c.max_tgt)
    device = next(model.parameters()).device
    x = source_tensor([src], c.src_pad, device)
    cache = model.new_cache(model.encode(x), x)
    live = [Hypothesis([], 0.0, False)]
    ended: list[Hypothesis] = []
    last = torch.tensor([bos], dtype=torch.long, device=device)
    for t in range(max_len):
        logp = ban(model.step(last, cache).float(), banned).log_softmax(dim=-1)  # (beams, V)
        total = logp + torch.tensor([h.logprob for h in live], device=device)[:, None]
        V = logp.size(-1)
        top = torch.topk(total.view(-1), min(2 * width, total.numel()))
        rows, toks = [], []
        new_live: list[Hypothesis] = []
        for score, flat in zip(top.values.tolist(), top.indices.tolist(), strict=True):
            beam, tok = divmod(flat, V)
            h = live[beam]
            steps = h.steps + [(logp[beam, tok].item(), logp[beam])] if keep_steps else []
            if tok == eos:
                ended.append(Hypothesis(h.ids, score, True, steps))
            else:
                rows.append(beam)
                toks.append(tok)
                new_live.append(Hypothesis(h.ids + [tok], score, False, steps))
            if len(rows) == width:
                break
        if len(ended) >= width or not rows or t == max_len - 1:
            if t == max_len - 1 and rows:
                ended.extend(new_live)  # out of positions: the live ones end here
            break
        live = new_live
        cache.reorder(torch.tensor(rows, dtype=torch.long, device=device))
        last = torch.tensor(toks, dtype=torch.long, device=device)
    return max(ended, key=lambda h: h.score)
