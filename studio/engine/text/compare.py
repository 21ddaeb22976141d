"""A/B compare: one prompt and seed, two sets of settings, run side by side; where their tokens
first part, and which stage made the difference.

    for side, event in compare_runs(loaded, prompt, a, b): ...   # side 0 is A, 1 is B
    parting = find_parting(loaded, prompt, ids_a, ids_b, a, b, seed)

At the first step where the tokens differ both runs have read the same tokens and hold the same
seed stream, so their draws there use the same exponential numbers (sampling/draw.py). Starting
from A's settings, the sampling settings are switched to B's one at a time in the chain's order
(repetition penalty, temperature, top-k, top-p, min-p); the first switch after which that same
draw no longer gives A's token names the stage that made the difference.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from dataclasses import replace

import torch

from studio.core.events import Candidate, Event
from studio.core.step import Parting
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.sampling.chain import build_chain
from studio.engine.sampling.draw import race_winner
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.sampling.seeds import advance_generator, draw_seed
from studio.engine.text.generation import GenerationSettings, generate_text
from studio.engine.text.step_mode import logits_at
from studio.settings import SamplingSettings

# the sampling settings in the chain's order, with the names their stages go by
CHAIN_ORDER = (
    ("repetition_penalty", "repetition penalty"),
    ("temperature", "temperature"),
    ("top_k", "top-k"),
    ("top_p", "top-p"),
    ("min_p", "min-p"),
)


def same_seed(a: GenerationSettings, b: GenerationSettings) -> tuple:
    """A and B with one seed (A's, else B's, else a fresh one), one sample each."""
    seed = a.seed if a.seed is not None else b.seed if b.seed is not None else draw_seed()
    return replace(a, seed=seed, num_samples=1), replace(b, seed=seed, num_samples=1)


def compare_runs(
    loaded: LoadedModel,
    prompt: str,
    a: GenerationSettings,
    b: GenerationSettings,
    cancel: threading.Event | None = None,
) -> Iterator[tuple[int, Event]]:
    """Both runs' events, A's and B's interleaved step by step: (0, event) for A, (1, event) for
    B. Give them one seed first (same_seed)."""
    runs: list[Generator[Event, None, None]] = [
        generate_text(loaded, prompt, s, cancel)  # type: ignore[misc]
        for s in (a, b)
    ]
    live = [True, True]
    # Each run enters inference mode in its generator and leaves it when it ends, restoring the
    # mode it found; interleaved, B would find A's and restore it after A had left. Inside one
    # inference mode of our own, every run finds and restores that one, and ours restores the
    # caller's.
    with torch.inference_mode():
        try:
            while any(live):
                for side, run in enumerate(runs):
                    if not live[side]:
                        continue
                    # up to and including this run's next token (or its end)
                    for ev in run:
                        yield side, ev
                        if ev.event == "token":
                            break
                    else:
                        live[side] = False
        finally:
            for run in runs:
                run.close()


def _draw(sampling: SamplingSettings, history, scores, q) -> tuple[int, torch.Tensor]:
    """The token one step draws with these sampling settings and race numbers q (V,), and the
    final distribution (V,)."""
    chain = build_chain(sampling)
    for stage in chain:
        scores = stage(history, scores)
    probs = scores.softmax(dim=-1)[0]
    if sampling.greedy:
        return int(greedy_pick(scores)[0]), probs
    return race_winner(probs, q), probs


def find_parting(
    loaded: LoadedModel,
    prompt: str,
    ids_a: list[int],
    ids_b: list[int],
    a: GenerationSettings,
    b: GenerationSettings,
    seed: int,
) -> Parting:
    """Where A's and B's tokens first differ and why (see the module's doc)."""
    tok = loaded.tokenizer
    text = getattr(tok, "token_text", None) or (lambda i: tok.decode([i]))
    step = next((i for i, (x, y) in enumerate(zip(ids_a, ids_b, strict=False)) if x != y), -1)
    if step < 0:
        why = "the same tokens" + (
            ""
            if len(ids_a) == len(ids_b)
            else f"; {'A' if len(ids_a) < len(ids_b) else 'B'} ends sooner"
        )
        return Parting(-1, None, None, "", "", "", why)
    with torch.inference_mode():
        history, scores = logits_at(loaded, prompt, ids_a[:step], a)
        model_probs = scores.softmax(dim=-1)[0]
        gen = torch.Generator(device=scores.device).manual_seed(seed)
        advance_generator(gen, scores.size(-1), step, scores.device)
        q = torch.empty(scores.size(-1), device=scores.device).exponential_(1, generator=gen)
        ta, tb = ids_a[step], ids_b[step]

        def cand(i: int, probs) -> Candidate:
            return Candidate(i, text(i), float(probs[i]), float(model_probs[i]))

        token_a, probs_a = _draw(a.sampling, history, scores, q)
        _, probs_b = _draw(b.sampling, history, scores, q)
        hybrid = a.sampling
        for field, name in CHAIN_ORDER:
            va, vb = getattr(a.sampling, field), getattr(b.sampling, field)
            if va == vb:
                continue
            hybrid = replace(hybrid, **{field: vb})
            token, probs = _draw(hybrid, history, scores, q)
            if token == token_a:
                continue
            if field == "temperature" and hybrid.greedy:
                why = (
                    f"temperature {vb:g} is greedy: it takes the most likely token, {text(token)!r}"
                )
            elif field == "temperature" and a.sampling.greedy:
                why = f"temperature {vb:g} draws where temperature 0 took the most likely token"
            elif probs[token_a] == 0:
                why = f"{name} {vb:g} removed {text(token_a)!r}, A's token; the same draw gives {text(token)!r}"
            else:
                why = (
                    f"{name} {vb:g} moved the probabilities ({text(token_a)!r} "
                    f"{float(probs_a[token_a]):.1%} -> {float(probs[token_a]):.1%}): the same "
                    f"draw gives {text(token)!r}"
                )
            return Parting(
                step, cand(ta, probs_a), cand(tb, probs_b), name, f"{va:g}", f"{vb:g}", why
            )
    return Parting(
        step,
        cand(ta, probs_a),
        cand(tb, probs_b),
        "",
        "",
        "",
        "the sampling stages agree here: another setting (the context past the window) parts them",
    )
