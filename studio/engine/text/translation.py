"""Translating with an encoder–decoder model as a generator of events (DESIGN.md's protocol).

    for event in translate(loaded, "Where is the station?", GenerationSettings(temperature=0)):
        ...

The source is encoded once; the target is then decoded one character at a time with the KV cache,
each step's logits going through the same sampling chain as text models (repetition penalty,
temperature, top-k, top-p, min-p, then a draw; temperature 0 is greedy), so the TokenEvents carry
the same probabilities, alternatives and entropy. A sample ends at the end-of-sequence token, a stop
string, `max_new_tokens`, or when the model's target positions run out ("length").

With `beam` > 1 the target is found by beam search (translation_search.py) instead, and its tokens
are sent once the search has finished: a beam's best target may change at any step until the end,
and a token once streamed is never taken back, so the events give only the final choice. Their
`prob` and `model_prob` are then the model's probability of the token given the tokens before it,
and the alternatives that step's most likely tokens.

`cross_attention(loaded, source, target)` gives the weights every decoder layer and head used on
the source when making a finished target, for the window's heatmap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from studio.core.errors import SettingsError
from studio.core.events import Candidate, DoneEvent, Event, StartEvent, TokenEvent, WarningEvent
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.seq2seq import Seq2Seq
from studio.engine.sampling.chain import apply_chain, build_chain, entropy_nats
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.sampling.seeds import draw_seed
from studio.engine.text.generation import _StopFilter
from studio.engine.text.translation_data import BOS, EOS
from studio.engine.text.translation_search import ban, banned_ids, beam_search
from studio.engine.tokenizers import BPETokenizer, CharTokenizer
from studio.settings import GenerationSettings, SamplingSettings

MAX_BEAM = 64


def is_translation(loaded: LoadedModel) -> bool:
    return loaded.kind == "translate-seq2seq"


def translation_parts(loaded: LoadedModel) -> tuple[Seq2Seq, BPETokenizer, CharTokenizer]:
    if not is_translation(loaded):
        raise SettingsError(f"{loaded.name} is not a translation model")
    return loaded.network(Seq2Seq), loaded.extras["source_tokenizer"], loaded.tokenizer


def source_ids(loaded: LoadedModel, source: str) -> tuple[list[int], str | None]:
    """The source's token ids, cut to the model's positions, and the warning saying so (or None).
    SettingsError for a source that is not text or is empty."""
    if not isinstance(source, str):
        raise SettingsError(f"the source must be text, got {type(source).__name__}")
    if not source.strip():
        raise SettingsError("the source is empty: give an English sentence to translate")
    model, src_tok, _ = translation_parts(loaded)
    ids = src_tok.encode(source.strip())
    limit = model.config.max_src
    if len(ids) <= limit:
        return ids, None
    return ids[:limit], (
        f"the source has {len(ids)} tokens, more than {loaded.name}'s {limit}; "
        f"only the first {limit} were translated"
    )


def translate(
    loaded: LoadedModel,
    source: str,
    settings: GenerationSettings | None = None,
    cancel: threading.Event | None = None,
    beam: int = 1,
) -> Iterator[Event]:
    """Translate `source`: a StartEvent, any WarningEvents, TokenEvents step by step (samples in
    order within a step), then one DoneEvent per sample (its `prompt` is the source)."""
    settings = settings or GenerationSettings()
    model, _, tgt_tok = translation_parts(loaded)
    ids, warning = source_ids(loaded, source)
    if not isinstance(beam, int) or isinstance(beam, bool) or not 1 <= beam <= MAX_BEAM:
        raise SettingsError(f"--beam must be a whole number from 1 to {MAX_BEAM}, got {beam!r}")
    if beam > 1 and settings.num_samples > 1:
        raise SettingsError("beam search gives one translation: use --samples 1 with --beam")
    seed = settings.seed if settings.seed is not None else draw_seed()
    yield StartEvent(
        model=loaded.name,
        settings=settings.to_dict() | {"beam": beam},
        seed=seed,
        prompt_tokens=len(ids),
        num_samples=settings.num_samples,
    )
    if warning:
        yield WarningEvent(warning)
    if beam > 1:
        if build_chain(settings.sampling) and settings.sampling != SamplingSettings():
            yield WarningEvent(
                "beam search ranks by the model's own probabilities; the sampling settings "
                "(temperature, top-k, top-p, min-p, repetition penalty) do not apply to it"
            )
        yield from _beam_events(loaded, model, tgt_tok, ids, settings, beam, source)
    else:
        yield from _sampled_events(model, tgt_tok, ids, settings, seed, cancel, source)


def _candidates(tok: CharTokenizer, ids: list[int], p: list[float], mp: list[float]) -> tuple:
    return tuple(Candidate(i, tok.token_text(i), a, b) for i, a, b in zip(ids, p, mp, strict=True))


def _sampled_events(
    model: Seq2Seq,
    tok: CharTokenizer,
    src: list[int],
    settings: GenerationSettings,
    seed: int,
    cancel: threading.Event | None,
    source: str,
) -> Iterator[Event]:
    t0 = time.perf_counter()
    device = next(model.parameters()).device
    B = settings.num_samples
    chain = build_chain(settings.sampling)
    greedy = settings.sampling.greedy
    gens = [torch.Generator(device=device).manual_seed(seed + i) for i in range(B)]
    limit = min(settings.max_new_tokens, model.config.max_tgt)
    eos = frozenset() if settings.ignore_eos else frozenset({tok.stoi[EOS]})
    banned = banned_ids(tok)
    top_n = min(settings.top_n, model.config.tgt_vocab)
    k = max(top_n, 1)
    # every sample's target so far from BOS, (B, 1 + limit): the repetition penalty's context
    history = torch.full((B, 1 + limit), tok.stoi[BOS], dtype=torch.long, device=device)
    filters = [_StopFilter(settings.stop) for _ in range(B)]
    active, reasons, counts = [True] * B, ["length"] * B, [0] * B
    with torch.inference_mode():
        x = torch.tensor([src], dtype=torch.long, device=device)
        memory = model.encode(x).expand(B, -1, -1)  # one source for every sample
        cache = model.new_cache(memory, x.expand(B, -1))
        logits = model.step(history[:, 0], cache)  # (B, V)
        t_first: float | None = None
        for step in range(limit):
            if cancel is not None and cancel.is_set():
                for i in range(B):
                    if active[i]:
                        active[i], reasons[i] = False, "cancelled"
                break
            scores = ban(logits.float(), banned)
            model_probs = scores.softmax(dim=-1)  # (B, V)
            shaped = apply_chain(chain, history[:, : step + 1], scores) if chain else scores
            if greedy:
                nxt = greedy_pick(shaped)  # (B,)
                probs = None
            else:
                probs = shaped.softmax(dim=-1)
                nxt = torch.cat(
                    [torch.multinomial(probs[i], 1, generator=gens[i]) for i in range(B)]
                )
            ranked = torch.topk(shaped, k, dim=-1).indices  # (B, k)
            both = torch.cat([nxt[:, None], ranked], dim=1)  # (B, 1 + k)
            mp = model_probs.gather(1, both).tolist()
            if probs is None:  # greedy: a point mass on the chosen token
                p = [[float(j == row[0]) for j in row] for row in both.tolist()]
                ent = [0.0] * B
            else:
                p = probs.gather(1, both).tolist()
                ent = entropy_nats(probs).tolist()
            history[:, step + 1] = nxt
            if t_first is None:
                t_first = time.perf_counter()
            for i, tid in enumerate(nxt.tolist()):
                if not active[i]:
                    continue
                counts[i] += 1
                if tid in eos:
                    piece = filters[i].flush()
                    active[i], reasons[i] = False, "eos"
                else:
                    piece, hit = filters[i].push(tok.token_text(tid))
                    if hit:
                        active[i], reasons[i] = False, "stop"
                    elif step == limit - 1:
                        piece += filters[i].flush()
                top = _candidates(tok, both[i, 1 : top_n + 1].tolist(), p[i][1:], mp[i][1:])
                yield TokenEvent(i, step, tid, piece, p[i][0], mp[i][0], ent[i], top)
            if not any(active) or step == limit - 1:
                break
            logits = model.step(nxt, cache)
    t_end = time.perf_counter()
    for i in range(B):
        yield DoneEvent(
            sample=i,
            text=filters[i].released,
            tokens=counts[i],
            stop_reason=reasons[i],
            ttft_ms=((t_first or t_end) - t0) * 1000,
            tokens_per_s=counts[i] / max(t_end - t0, 1e-9),
            prompt=source,
        )


def _beam_events(
    loaded: LoadedModel,
    model: Seq2Seq,
    tok: CharTokenizer,
    src: list[int],
    settings: GenerationSettings,
    width: int,
    source: str,
) -> Iterator[Event]:
    t0 = time.perf_counter()
    limit = min(settings.max_new_tokens, model.config.max_tgt)
    eos = tok.stoi[EOS]
    best = beam_search(
        model, src, tok.stoi[BOS], eos, width, limit, keep_steps=True, banned=banned_ids(tok)
    )
    t_end = time.perf_counter()
    top_n = min(settings.top_n, model.config.tgt_vocab)
    filt = _StopFilter(settings.stop)
    reason = "eos" if best.ended else "length"
    ids = best.ids + ([eos] if best.ended else [])
    count = 0
    for step, (tid, (_, logp)) in enumerate(zip(ids, best.steps, strict=True)):
        probs = logp.exp()  # (V,): the model's distribution at this step
        count += 1
        if tid == eos:
            piece = filt.flush()
        else:
            piece, hit = filt.push(tok.token_text(tid))
            if hit:
                reason = "stop"
            elif step == len(ids) - 1:
                piece += filt.flush()
        top_p, top_i = torch.topk(probs, max(top_n, 1))
        top = _candidates(
            tok, top_i.tolist()[:top_n], top_p.tolist()[:top_n], top_p.tolist()[:top_n]
        )
        prob = probs[tid].item()
        yield TokenEvent(0, step, tid, piece, prob, prob, entropy_nats(probs[None])[0].item(), top)
        if reason == "stop":
            break
    yield DoneEvent(
        sample=0,
        text=filt.released,
        tokens=count,
        stop_reason=reason,
        ttft_ms=(t_end - t0) * 1000,
        tokens_per_s=count / max(t_end - t0, 1e-9),
        prompt=source,
    )


@dataclass(frozen=True)
class TranslationAttention:
    """What a translation attended to. cross (L, H, T, S): decoder layer, head, target row,
    source token; row t is the query that produced target token t (the last row, EOS's).
    Each row sums to 1. self_attention (L, H, T, T): the decoder's own, causal."""

    source_tokens: list[str]  # S token texts, as the tokenizer cut the source
    target_tokens: list[str]  # T: the target's characters, then "</s>" (unless it ran out)
    cross: np.ndarray
    self_attention: np.ndarray

    @property
    def average(self) -> np.ndarray:
        """(T, S): the cross-attention averaged over layers and heads."""
        return self.cross.mean(axis=(0, 1))


def cross_attention(loaded: LoadedModel, source: str, target: str) -> TranslationAttention:
    """The attention weights the model used making `target` from `source` (one uncached pass
    over BOS + target; the weights are those the outputs were computed from)."""
    model, src_tok, tgt_tok = translation_parts(loaded)
    src, _ = source_ids(loaded, source)
    tgt = tgt_tok.encode(target)
    limit = model.config.max_tgt
    if len(tgt) > limit:
        raise SettingsError(
            f"the target has {len(tgt)} characters, more than {loaded.name}'s {limit}"
        )
    # a target that filled every position never fed its last token back, nor made EOS
    rows = [tgt_tok.token_text(i) for i in tgt] + ["</s>"]
    if len(tgt) == limit:
        rows = rows[:-1]
    fed = [tgt_tok.stoi[BOS], *tgt][: len(rows)]
    device = next(model.parameters()).device
    with torch.inference_mode():
        x = torch.tensor([src], dtype=torch.long, device=device)
        y = torch.tensor([fed], dtype=torch.long, device=device)
        cross, dec_self, _ = model.attention(x, y)  # (L, 1, H, T, S), (L, 1, H, T, T)
    return TranslationAttention(
        source_tokens=[src_tok.token_text(i) for i in src],
        target_tokens=rows,
        cross=cross[:, 0].float().cpu().numpy(),
        self_attention=dec_self[:, 0].float().cpu().numpy(),
    )
