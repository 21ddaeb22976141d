"""Step mode ("you are the sampler"): one token of a text run at a time, stage by stage.

    outcome = next_step(loaded, prompt, generated_ids, settings, seed)

Given the tokens so far (accepted or picked by hand), the settings and the run's seed, the model
reads the context the uninterrupted run read at that step (context_window.py), each stage of the
chain is applied in turn (what it removed listed in rank order), and the draw is made with the
seed stream at that step (seeds.advance_generator): the token, and the uniform number u it
amounts to (sampling/draw.py). Accepting every step therefore gives the tokens of an
uninterrupted run with the same seed, and `generate_text(..., resume=ids)` runs on from there.
"""

from __future__ import annotations

import torch

from studio.core.errors import SettingsError
from studio.core.events import Candidate, TokenEvent
from studio.core.step import StepOutcome, StepStage
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.sampling.chain import build_chain, entropy_nats
from studio.engine.sampling.draw import race_draw, rank_order
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.sampling.seeds import advance_generator
from studio.engine.text.generation import (
    GenerationSettings,
    _StopFilter,
    release_token,
    text_network,
)
from studio.engine.text.step_context import step_context
from studio.engine.tokenizers import Utf8Stream

REMOVED_SHOWN = 40  # removed tokens listed per stage
BAR_SHOWN = 40  # slices of the cumulative bar; the rest is one grey end


class SeedStream:
    """A seed's generator at any step: kept between steps, so stepping on costs one draw rather
    than a replay from the start."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._step = 0
        self._gen: torch.Generator | None = None

    def at(self, seed: int, vocab: int, step: int, device: torch.device) -> torch.Generator:
        key = (seed, vocab, str(device))
        if self._gen is None or self._key != key or self._step > step:
            self._gen = torch.Generator(device=device).manual_seed(seed)
            self._key, self._step = key, 0
        advance_generator(self._gen, vocab, step - self._step, device)
        self._step = step
        return self._gen

    def drew(self) -> None:
        """The generator handed out has made the draw of its step."""
        self._step += 1


_streams = SeedStream()


def logits_at(loaded: LoadedModel, prompt: str, ids: list[int], settings: GenerationSettings):
    """(context (1, T) of prompt ids then `ids`, the model's scores (1, V) for the token after
    `ids`): the window as the uninterrupted run read it at that step."""
    # step_context speaks of a drawn token; a placeholder after `ids` asks for the one after them
    ctx = step_context(loaded, prompt, [*ids, 0], settings)
    model = text_network(loaded)
    device = next(model.parameters()).device
    history = torch.tensor([ctx.ids], dtype=torch.long, device=device)  # (1, T)
    logits = model(history[:, ctx.start : ctx.end], model.new_cache(1), last_only=True)[:, -1]
    return history, logits.float()


def _candidates(probs, model_probs, ids, text) -> tuple[Candidate, ...]:
    return tuple(Candidate(i, text(i), float(probs[i]), float(model_probs[i])) for i in ids)


def next_step(
    loaded: LoadedModel,
    prompt: str,
    generated_ids: list[int],
    settings: GenerationSettings,
    seed: int,
    pick: int | None = None,
) -> StepOutcome:
    """Token len(generated_ids) of sample 0 of a run of `prompt` with `settings` and `seed`, after
    `generated_ids`: every stage, u and the token drawn; `pick`: the token the person chose
    instead (taken into `event`, marked by hand). Raises SettingsError for ids or a pick outside
    the vocabulary, or a model without a tokenizer."""
    tok = loaded.tokenizer
    if tok is None:
        raise SettingsError(f"{loaded.name} is not a text model")
    vocab = text_network(loaded).config.vocab_size
    if pick is not None and not 0 <= pick < vocab:
        raise SettingsError(f"a picked token must lie in 0..{vocab - 1}, got {pick}")
    step = len(generated_ids)
    token_text = getattr(tok, "token_text", None) or (lambda i: tok.decode([i]))
    with torch.inference_mode():
        history, scores = logits_at(loaded, prompt, list(generated_ids), settings)
        model_probs = scores.softmax(dim=-1)[0]  # (V,)
        stages = [_stage("model", "", model_probs, model_probs, None, token_text)]
        before = model_probs
        for stage in build_chain(settings.sampling):
            scores = stage(history, scores)
            probs = scores.softmax(dim=-1)[0]
            stages.append(_stage(stage.name, stage.setting, probs, model_probs, before, token_text))
            before = probs
        probs = before
        if settings.sampling.greedy:
            drawn, u = int(greedy_pick(scores)[0]), None
            order = rank_order(probs)
        else:
            gen = _streams.at(seed, probs.numel(), step, probs.device)
            d = race_draw(probs, gen)
            _streams.drew()
            drawn, u, order = d.token, d.u, d.order
        final = torch.zeros_like(probs)
        if settings.sampling.greedy:
            final[drawn] = 1.0  # greedy's point mass, as the run reports it
        else:
            final = probs
        taken = drawn if pick is None else pick
        shown = order[:BAR_SHOWN]
        bar = _candidates(probs, model_probs, shown, token_text)
        rest = max(0.0, 1.0 - sum(c.prob for c in bar))
        k = min(settings.top_n, probs.numel())
        # ranked as the run ranks them: greedy by its shaped scores (the point mass has ties)
        ranking = scores[0] if settings.sampling.greedy else probs
        top_ids = torch.topk(ranking, k).indices.tolist() if k else []
        piece, ends = _release(loaded, generated_ids, taken, settings)
        event = TokenEvent(
            sample=0,
            step=step,
            id=taken,
            text=piece,
            prob=float(final[taken]),
            model_prob=float(model_probs[taken]),
            entropy=0.0 if settings.sampling.greedy else float(entropy_nats(probs)),
            top=_candidates(final, model_probs, top_ids, token_text),
            by_hand=pick is not None and pick != drawn,
        )
    return StepOutcome(
        step=step,
        seed=seed,
        stages=tuple(stages),
        bar=bar,
        bar_rest=rest if len(order) > len(shown) else 0.0,
        u=u,
        drawn=Candidate(drawn, token_text(drawn), float(probs[drawn]), float(model_probs[drawn])),
        event=event,
        hand=event.by_hand,
        ends=ends,
    )


def _stage(name, setting, probs, model_probs, before, text) -> StepStage:
    """One stage's distribution probs (V,), and the tokens it removed from `before` (V,)."""
    kept = int((probs > 0).sum())
    top_ids = rank_order(probs)[:8]
    removed: list[int] = []
    count = 0
    if before is not None:
        gone = (before > 0) & (probs == 0)
        count = int(gone.sum())
        if count:
            ids = torch.nonzero(gone).flatten()
            order = torch.sort(before[ids], descending=True, stable=True).indices
            removed = ids[order][:REMOVED_SHOWN].tolist()
    return StepStage(
        name=name,
        setting=setting,
        kept=kept,
        entropy=float(entropy_nats(probs)),
        top=_candidates(probs, model_probs, top_ids, text),
        removed=_candidates(before, model_probs, removed, text) if removed else (),
        removed_count=count,
    )


def _release(
    loaded: LoadedModel, generated_ids: list[int], taken: int, settings: GenerationSettings
) -> tuple[str, str]:
    """(the text token `taken` releases after `generated_ids`, the run's stop reason if it ends
    there, else ""): the run's tokens replayed through its text stream and stop strings."""
    tok = loaded.tokenizer
    eos_ids = getattr(tok, "eos_ids", None) or ((tok.eos_id,) if tok.eos_id is not None else ())
    eos = frozenset() if settings.ignore_eos else frozenset(eos_ids)
    stream, stops = Utf8Stream(tok), _StopFilter(settings.stop)
    last = settings.max_new_tokens - 1
    for j, tid in enumerate(generated_ids):
        _, ended = release_token(stream, stops, tid, eos, j == last)
        if ended:
            raise SettingsError(f"the run ended at token {j} ({ended}): nothing to step on to")
    step = len(generated_ids)
    if step >= settings.max_new_tokens:
        raise SettingsError(
            f"the run has its {settings.max_new_tokens} tokens: nothing to step on to"
        )
    piece, ended = release_token(stream, stops, taken, eos, step == last)
    return piece, ended or ("length" if step == last else "")
