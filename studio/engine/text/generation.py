"""Text generation as a generator of events (DESIGN.md's protocol).

    for event in generate_text(loaded, "ROMEO:", GenerationSettings(max_new_tokens=100, seed=1)):
        ...

One forward pass over the prompt fills the KV cache; each new token is one cached step. The loop
needs only networks/text_network.py's interface, so GPT and Llama-family networks run alike. Several
samples run as one batch in lockstep; sample i draws from its own generator seeded `seed + i`, so
sample 0 of a batch equals a single-sample run with the same seed.

Past the context window there are two ways on (`GenerationSettings.context`), since a cache cannot
simply be shifted (GPT's positions are learned; a Llama's keys carry their rotation):
- "shift" (default, llama.cpp's context shift): keep the last half of the window, rebuild the cache
  from it in one pass, and go on with cached steps until the window is full again. Each token costs
  about two cached steps on average, and the model always sees at least half a window.
- "slide" (nanoGPT's sampler): the oldest token drops out at every step and the cache is rebuilt
  from the last `block_size` tokens, a full forward pass per token: always a full window, at
  uncached speed. The same tokens as nanoGPT's `sample()` on the same weights.
The rule is context_window.py's, which the stages view replays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import cast

import torch

from studio.core.errors import SettingsError
from studio.core.events import Candidate, DoneEvent, Event, StartEvent, TokenEvent, WarningEvent
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.text_network import DecodingCache, TextNetwork
from studio.engine.sampling.chain import (
    RepetitionPenalty,
    apply_chain,
    build_chain,
    entropy_nats,
)
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.sampling.seeds import advance_generator, draw_seed
from studio.engine.text.branching import Branch, resolve_branch
from studio.engine.text.context_window import context_window, rebuild_size
from studio.engine.tokenizers import Utf8Stream
from studio.settings import GenerationSettings

HISTORY_CHUNK = 4096  # new tokens the history holds before it first grows


class _StopFilter:
    """Holds back text that might be the start of a stop string; finds stop strings."""

    def __init__(self, stops: tuple[str, ...]):
        self.stops = stops
        self.full = ""
        self.emitted = 0

    def push(self, piece: str) -> tuple[str, bool]:
        """Add decoded text; return (text safe to release now, hit a stop string)."""
        before = len(self.full)
        self.full += piece
        if not self.stops:
            out = self.full[self.emitted :]
            self.emitted = len(self.full)
            return out, False
        longest = max(len(s) for s in self.stops)
        start = max(0, before - longest + 1)
        hit = -1
        for s in self.stops:
            j = self.full.find(s, start)
            if j >= 0 and (hit < 0 or j < hit):
                hit = j
        if hit >= 0:
            self.full = self.full[:hit]
            out = self.full[self.emitted :] if hit > self.emitted else ""
            self.emitted = len(self.full)
            return out, True
        hold = 0
        for s in self.stops:
            for n in range(min(len(s) - 1, len(self.full)), 0, -1):
                if self.full.endswith(s[:n]):
                    hold = max(hold, n)
                    break
        safe = len(self.full) - hold
        out = self.full[self.emitted : safe] if safe > self.emitted else ""
        self.emitted = max(self.emitted, safe)
        return out, False

    def flush(self) -> str:
        out = self.full[self.emitted :]
        self.emitted = len(self.full)
        return out

    @property
    def released(self) -> str:
        return self.full[: self.emitted]


def release_token(
    stream: Utf8Stream, stops: _StopFilter, tid: int, eos: frozenset, last_step: bool
) -> tuple[str, str | None]:
    """Token `tid` through a sample's text stream and stop filter: (the text released now, the
    sample's stop reason if it ends here: "eos", "stop", else None). Shared by the run and by
    step mode, which replays a run's tokens to say what one more token releases."""
    if tid in eos:
        piece, _ = stops.push(stream.end())
        return piece + stops.flush(), "eos"
    piece, hit = stops.push(stream.put(tid))
    if not hit and last_step:
        # the end of the stream may complete a character, and so a stop string
        more, hit = stops.push(stream.end())
        piece += more + stops.flush()
    return piece, "stop" if hit else None


def start_ids(loaded: LoadedModel) -> list[int]:
    """What an empty prompt conditions on: the start-of-text token of a tokenizer that names one
    (a Hugging Face folder's bos_token_id), else EOS (GPT-2's <|endoftext|>), else a newline, else
    id 0."""
    tok = loaded.tokenizer
    if getattr(tok, "bos_id", None) is not None:
        return [tok.bos_id]
    if tok.eos_id is not None:
        return [tok.eos_id]
    nl = tok.encode("\n")
    return nl[:1] if nl else [0]


def text_network(loaded: LoadedModel) -> TextNetwork[DecodingCache]:
    """A text model's network, typed as the interface text generation reads
    (networks/text_network.py: the GPT and the Llama family). Duck-typed and not checked, so any
    network shaped so runs (test doubles too). Its cache type is the network's own; callers only
    pass back what its `new_cache` made."""
    return cast(TextNetwork[DecodingCache], loaded.model)


def generate_text(
    loaded: LoadedModel,
    prompt: str,
    settings: GenerationSettings | None = None,
    cancel: threading.Event | None = None,
    resume: Sequence[int] = (),
    branch: Branch | None = None,
) -> Iterator[Event]:
    """Continue `prompt`: a StartEvent, any WarningEvents, TokenEvents step by step (samples in
    order within a step), then one DoneEvent per sample.

    `resume`: tokens already generated for this prompt (step mode's accepted or hand-picked
    ones, a single sample): the run goes on after them as from step len(resume) of an
    uninterrupted run, with the seed stream advanced by as many draws, so it gives that run's
    tokens whenever `resume` is its first tokens. Its TokenEvents start at that step; the
    DoneEvent counts and holds the resumed tokens too.

    With a `branch` (branching.py): the prompt's tokens and the branch's prefix are the context,
    the branch's token is the first one (not drawn; marked by_hand, with the probabilities the
    chain gave it), and up to max_new_tokens more are drawn after it; token steps count from the
    fork, so they are positions in the whole generated text.

    Raises SettingsError for a prompt that is not text or a model without a tokenizer (on the first
    next(), as with any generator). Setting `cancel` ends every sample at the next step with stop
    reason "cancelled".
    """
    settings = settings or GenerationSettings()
    if not isinstance(prompt, str):
        raise SettingsError(f"prompt must be text, got {type(prompt).__name__}")
    tok = loaded.tokenizer
    if tok is None:
        raise SettingsError(f"{loaded.name} is not a text model")
    model = text_network(loaded)
    block = model.config.block_size
    device = next(model.parameters()).device
    B = settings.num_samples
    seed = settings.seed if settings.seed is not None else draw_seed()
    t0 = time.perf_counter()

    ids = tok.encode(prompt)
    unknown = getattr(tok, "last_unknown", [])
    prompt_ids = ids
    if not ids:
        ids = start_ids(loaded)
    if branch is not None and resume:
        raise SettingsError("a branch starts from its own prefix, not from resumed tokens")
    forced = resolve_branch(loaded, branch) if branch is not None else None
    first_step = len(branch.prefix) if branch is not None else 0
    ids = ids + list(branch.prefix) if branch is not None else ids
    warnings: list[str] = []
    if unknown:
        shown = "".join(dict.fromkeys(unknown))[:20]  # each once, in the prompt's order
        warnings.append(
            f"{len(unknown)} character(s) of the prompt are not in {loaded.name}'s vocabulary "
            f"and were {'replaced by a space' if getattr(tok, 'unk_id', None) is not None else 'dropped'}: {shown!r}"
        )
    if len(ids) > block:
        warnings.append(
            f"the prompt has {len(ids)} tokens, more than the context window of {block}; "
            f"the first {len(ids) - block} were cut"
        )
        ids = ids[-block:]
    yield StartEvent(
        model=loaded.name,
        settings=settings.to_dict(),
        seed=seed,
        prompt_tokens=len(prompt_ids),
        num_samples=B,
    )
    for w in warnings:
        yield WarningEvent(w)

    chain = build_chain(settings.sampling)
    greedy = settings.sampling.greedy
    needs_history = any(isinstance(s, RepetitionPenalty) for s in chain)
    gens = [torch.Generator(device=device).manual_seed(seed + i) for i in range(B)]
    if resume and B != 1:
        raise SettingsError("a run resumed from its tokens has one sample")
    if any(not 0 <= i < model.config.vocab_size for i in resume):
        raise SettingsError(f"token ids must lie in 0..{model.config.vocab_size - 1}")
    prompt_len = len(ids)
    ids = ids + list(resume)
    P = len(ids)
    # every token so far, (B, capacity): the repetition penalty's context, and what the window is
    # rebuilt from once it slides; doubled when full, since max_new_tokens may be huge
    capacity = P + min(settings.max_new_tokens, HISTORY_CHUNK)
    history = torch.empty((B, capacity), dtype=torch.long, device=device)
    history[:, :P] = torch.tensor(ids, dtype=torch.long, device=device)
    no_ids = history[:, :0]  # (B, 0): the context the stages get when none needs it
    length = P
    streams = [Utf8Stream(tok) for _ in range(B)]
    filters = [_StopFilter(settings.stop) for _ in range(B)]
    active = [True] * B
    reasons = ["length"] * B
    if branch is not None:
        for stream in streams:  # a character the prefix left incomplete ends in the branch
            for i in branch.prefix:
                stream.put(i)
    counts = [0] * B
    # the ids that end a sample: a tokenizer may name several (Llama 3, Qwen: eos_ids)
    eos_ids = getattr(tok, "eos_ids", None) or ((tok.eos_id,) if tok.eos_id is not None else ())
    eos = frozenset() if settings.ignore_eos else frozenset(eos_ids)
    top_n = min(settings.top_n, model.config.vocab_size)
    k = max(top_n, 1)
    token_text = getattr(tok, "token_text", None) or (lambda i: tok.decode([i]))

    # a resumed run reads the window the uninterrupted run read at that step (context_window)
    first, _ = context_window(prompt_len, block, settings.context, len(resume))
    cache = model.new_cache(B)
    with torch.inference_mode():
        logits = model(history[:, first:P], cache, last_only=True)[:, -1]  # (B, V)
        # the fast path for single-token steps; forward() in training mode (dropout) or for
        # modules without one
        decode = model.decoder(cache) if hasattr(model, "decoder") and not model.training else None
    t_prompt = time.perf_counter()
    t_first: float | None = None

    def sample_step(
        logits: torch.Tensor, hist: torch.Tensor, force: int | None = None
    ) -> tuple[torch.Tensor, list]:
        """One draw for every row: next ids (B,), and per row the event numbers as Python values
        [ids (1 + k: the chosen, then the top k), probs (1 + k), model probs (1 + k), entropy].
        `force`: the id every row takes instead of a draw (a branch's token), with the
        probabilities the distribution gives it; the generators are left untouched.

        Few, small tensor calls: at small model sizes each costs as much as a layer's arithmetic.
        """
        scores = logits.float()  # (B, V)
        model_probs = scores.softmax(dim=-1)  # (B, V)
        shaped = apply_chain(chain, hist, scores) if chain else scores
        forced_ids = None if force is None else torch.full((B,), force, device=scores.device)
        if greedy:
            # the first maximum (greedy_pick), then the top k as alternatives: their order among
            # ties is topk's, and only the chosen id has probability 1
            pick = greedy_pick(shaped)  # (B,)
            nxt = pick if forced_ids is None else forced_ids
            if forced_ids is not None:  # probability 1 only where greedy would have taken it
                ranked = torch.topk(shaped if chain else model_probs, k, dim=-1).indices
                both = torch.cat([nxt[:, None], ranked], dim=1)  # (B, 1 + k)
                mp = model_probs.gather(1, both).tolist()
                rows = [
                    [[n, *r], [float(n == g), *(float(i == g) for i in r)], m, 0.0]
                    for n, g, r, m in zip(
                        nxt.tolist(), pick.tolist(), ranked.tolist(), mp, strict=True
                    )
                ]
                return nxt, rows
            if chain:
                ranked = torch.topk(shaped, k, dim=-1).indices  # (B, k)
                both = torch.cat([nxt[:, None], ranked], dim=1)  # (B, 1 + k)
                mp = model_probs.gather(1, both).tolist()
            else:  # the raw scores rank as their softmax, and the chosen one has the top's
                top_mp, ranked = torch.topk(model_probs, k, dim=-1)  # (B, k) each
                mp = [[m[0], *m] for m in top_mp.tolist()]
            rows = [
                [[n, *r], [1.0, *(float(i == n) for i in r)], m, 0.0]
                for n, r, m in zip(nxt.tolist(), ranked.tolist(), mp, strict=True)
            ]
            return nxt, rows
        probs = shaped.softmax(dim=-1) if chain else model_probs  # (B, V)
        if forced_ids is not None:
            nxt = forced_ids
        else:
            nxt = torch.cat([torch.multinomial(probs[i], 1, generator=gens[i]) for i in range(B)])
        both = torch.cat([nxt[:, None], torch.topk(probs, k, dim=-1).indices], dim=1)  # (B, 1+k)
        p = probs.gather(1, both).tolist()
        mp = model_probs.gather(1, both).tolist()
        ent = entropy_nats(probs).tolist()
        rows = [list(r) for r in zip(both.tolist(), p, mp, ent, strict=True)]
        return nxt, rows

    if branch is not None and not greedy:
        # each draw takes the same share of its generator whatever the distribution, so moving
        # it on by as many draws as the run had made by the token after the fork puts every
        # generator where the run's stood there
        for g in gens:
            advance_generator(g, logits.size(-1), first_step + 1, device)
    step = len(resume)
    # a branch's token, then max_new_tokens drawn after it
    limit = settings.max_new_tokens + (forced is not None)
    if resume:
        if not greedy:  # the seed stream indexed by step: one draw of V per step so far
            advance_generator(gens[0], logits.size(-1), step, device)
        for j, tid in enumerate(resume):
            _, ended = release_token(
                streams[0], filters[0], tid, eos, j == settings.max_new_tokens - 1
            )
            if ended:
                active[0], reasons[0] = False, ended
        counts[0] = step
    with torch.inference_mode():
        while step < limit and any(active):
            force = forced if step == 0 else None
            if force is None and cancel is not None and cancel.is_set():
                for i in range(B):
                    if active[i]:
                        reasons[i] = "cancelled"
                        active[i] = False
                break
            nxt, rows = sample_step(logits, history[:, :length] if needs_history else no_ids, force)
            if length == history.size(1):
                history = torch.cat([history, torch.empty_like(history)], dim=1)
            history.select(1, length).copy_(nxt)
            length += 1
            if t_first is None:
                t_first = time.perf_counter()
            last_step = step == limit - 1
            for i in range(B):
                if not active[i]:
                    continue
                ids_i, p_i, mp_i, ent_i = rows[i]
                tid = ids_i[0]
                counts[i] += 1
                piece, ended = release_token(streams[i], filters[i], tid, eos, last_step)
                if ended:
                    active[i], reasons[i] = False, ended
                top: tuple[Candidate, ...] = ()
                if top_n:
                    top = tuple(
                        Candidate(ids_i[j], token_text(ids_i[j]), p_i[j], mp_i[j])
                        for j in range(1, top_n + 1)
                    )
                yield TokenEvent(
                    sample=i,
                    step=first_step + step,
                    id=tid,
                    text=piece,
                    prob=p_i[0],
                    model_prob=mp_i[0],
                    entropy=ent_i,
                    top=top,
                    by_hand=force is not None,
                )
            step += 1
            if not any(active) or step >= limit:
                break
            keep = rebuild_size(cache.length, block, settings.context)
            if keep is None:
                # one cached step: (B,) ids -> (B, V) logits
                logits = decode(nxt) if decode is not None else model(nxt.view(B, 1), cache)[:, -1]
            else:  # window full: rebuild the cache from its newest tokens at positions 0..
                cache.reset()
                logits = model(history[:, length - keep : length], cache, last_only=True)[:, -1]

    t_end = time.perf_counter()
    ttft = ((t_first or t_end) - t0) * 1000
    for i in range(B):
        decode_s = t_end - t_prompt
        yield DoneEvent(
            sample=i,
            text=filters[i].released,
            tokens=counts[i],
            stop_reason=reasons[i],
            ttft_ms=ttft,
            tokens_per_s=counts[i] / decode_s if decode_s > 0 else 0.0,
            prompt=prompt,
        )
