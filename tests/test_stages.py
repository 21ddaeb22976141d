"""sampling_stages: a past step recomputed stage by stage gives the numbers the run reported, past
the context window too, and each stage is the chain's own prefix applied to the model's scores."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import tiny_char_model

from studio.core.errors import SettingsError
from studio.core.events import TokenEvent
from studio.engine.sampling.chain import build_chain
from studio.engine.text.generation import generate_text
from studio.engine.text.sampling_stages import context_window, sampling_stages
from studio.settings import GenerationSettings, SamplingSettings


@pytest.fixture(scope="module")
def tiny():
    return tiny_char_model(seed=2, block_size=16)


def run(loaded, prompt: str, context: str, n: int = 40, **sampling) -> tuple:
    settings = GenerationSettings(
        sampling=SamplingSettings(**sampling), max_new_tokens=n, seed=5, context=context
    )
    events = [e for e in generate_text(loaded, prompt, settings) if isinstance(e, TokenEvent)]
    return settings, events


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


@pytest.mark.parametrize("context", ["slide", "shift"])
@pytest.mark.parametrize(
    "sampling",
    [
        dict(temperature=1.0),
        dict(temperature=0.7, top_k=6),
        dict(temperature=1.3, top_p=0.8, repetition_penalty=1.2),
        dict(temperature=0.9, min_p=0.05, top_k=10, top_p=0.95, repetition_penalty=1.1),
        dict(temperature=0.0),
        dict(temperature=0.0, repetition_penalty=1.5),
    ],
)
def test_every_step_recomputed_gives_the_reported_probabilities(tiny, context, sampling):
    # 40 tokens after a 5-token prompt: well past the 16-token window, through rebuilds
    settings, events = run(tiny, "hello", context, **sampling)
    ids = [e.id for e in events]
    for e in events:
        stages = sampling_stages(tiny, "hello", ids[: e.step + 1], settings, top_n=5)
        assert stages[0].name == "model"
        assert close(stages[0].chosen_prob, e.model_prob), (e.step, stages[0], e)
        assert close(stages[-1].chosen_prob, e.prob), (e.step, stages[-1], e)
        assert close(stages[-1].entropy, e.entropy)
        reported = [c.prob for c in e.top]
        assert all(close(a.prob, b) for a, b in zip(stages[-1].top, reported, strict=True))


def test_stages_follow_the_chain_in_order_and_each_is_its_prefix(tiny):
    sampling = SamplingSettings(
        temperature=0.7, top_k=12, top_p=0.9, min_p=0.02, repetition_penalty=1.3
    )
    settings = GenerationSettings(sampling=sampling, max_new_tokens=8, seed=1)
    events = [e for e in generate_text(tiny, "the fox", settings) if isinstance(e, TokenEvent)]
    ids = [e.id for e in events]
    stages = sampling_stages(tiny, "the fox", ids, settings, top_n=tiny.model.config.vocab_size)
    assert [(s.name, s.setting) for s in stages] == [
        ("model", ""),
        ("repetition penalty", "1.3"),
        ("temperature", "0.7"),
        ("top-k", "12"),
        ("top-p", "0.9"),
        ("min-p", "0.02"),
    ]
    # the same prefixes by hand, on the uncached forward pass over the whole context
    context = torch.tensor([tiny.tokenizer.encode("the fox") + ids[:-1]])
    with torch.inference_mode():
        scores = tiny.model(context)[:, -1].float()
    chain = build_chain(sampling)
    for i, stage in enumerate(stages):
        shaped = scores
        for s in chain[:i]:
            shaped = s(context, shaped)
        probs = shaped.softmax(-1)[0]
        for c in stage.top:
            assert close(c.prob, float(probs[c.id]))
            assert close(c.model_prob, float(scores.softmax(-1)[0, c.id]))
        assert stage.kept == int((probs > 0).sum())
        assert stage.probs.keys() == stages[0].probs.keys() and ids[-1] in stage.probs
        assert all(close(p, float(probs[i])) for i, p in stage.probs.items())
    kept = [s.kept for s in stages]
    assert kept[3] <= 12 and kept == [*kept[:3], *sorted(kept[3:], reverse=True)]
    assert sum(c.prob for c in stages[4].top) == pytest.approx(1.0, abs=1e-5)


def test_greedy_ends_in_a_point_mass_on_the_first_choice(tiny):
    settings, events = run(tiny, "", "slide", n=6, temperature=0.0)
    stages = sampling_stages(tiny, "", [e.id for e in events], settings)
    assert [s.name for s in stages] == ["model", "greedy"]
    assert stages[-1].kept == 1 and stages[-1].chosen_prob == 1.0 and stages[-1].entropy == 0.0
    assert stages[-1].top[0].id == events[-1].id == stages[0].top[0].id


def test_context_window_under_both_ways_past_it():
    # within the window both read everything so far
    assert context_window(5, 16, "slide", 0) == (0, 5)
    assert context_window(5, 16, "shift", 11) == (0, 16)
    # slide: always the newest 16 once full
    assert context_window(5, 16, "slide", 12) == (1, 17)
    assert context_window(5, 16, "slide", 30) == (19, 35)
    # shift: the newest half kept at the rebuild, then growing again to a full window
    assert context_window(5, 16, "shift", 12) == (9, 17)
    assert context_window(5, 16, "shift", 19) == (9, 24)
    assert context_window(5, 16, "shift", 20) == (9, 25)
    assert context_window(5, 16, "shift", 21) == (18, 26)
    for step in range(60):
        start, end = context_window(3, 16, "shift", step)
        assert end == 3 + step and 1 <= end - start <= 16


class _WindowSpy:
    """A text model that notes the ids its KV cache holds whenever it gives logits: the window the
    run really read. Without a `decoder`, every step goes through forward()."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model, self.config, self.training = model, model.config, model.training
        self.windows: list[list[int]] = []
        self._held: list[int] = []

    def parameters(self):
        return self.model.parameters()

    def new_cache(self, batch: int):
        return self.model.new_cache(batch)

    def __call__(self, idx: torch.Tensor, cache, last_only: bool = False) -> torch.Tensor:
        self._held = (self._held if cache.length else []) + idx[0].tolist()
        self.windows.append(self._held)
        return self.model(idx, cache, last_only=last_only)


@pytest.mark.parametrize("context", ["slide", "shift"])
def test_generation_reads_the_window_context_window_gives_at_every_step(tiny, context):
    from dataclasses import replace

    spy = _WindowSpy(tiny.model)
    settings, events = run(replace(tiny, model=spy), "hello", context, n=50, temperature=1.0)
    ids = tiny.tokenizer.encode("hello") + [e.id for e in events]
    assert len(events) == 50 and len(spy.windows) == 50  # 5 + 50 tokens: past 16, many times
    for step, window in enumerate(spy.windows):
        start, end = context_window(5, 16, context, step)
        assert ids[start:end] == window, (step, start, end)
    assert context == "slide" or any(len(w) < 16 for w in spy.windows[20:])


@pytest.mark.parametrize(
    "ids, message",
    [([], "no token to inspect"), ([0, 10_000], "token ids must lie in"), ([-1], "must lie in")],
)
def test_bad_ids_are_refused_with_a_message(tiny, ids, message):
    with pytest.raises(SettingsError, match=message):
        sampling_stages(tiny, "hello", ids, GenerationSettings())


def test_an_unlikely_drawn_token_is_named_though_no_stage_ranks_it_first(tiny):
    # temperature 3 flattens the distribution: the drawn token is rarely the most likely one
    settings, events = run(tiny, "hello", "slide", n=30, temperature=3.0)
    e = next(e for e in events if e.id != e.top[0].id)
    ids = [x.id for x in events[: e.step + 1]]
    stages = sampling_stages(tiny, "hello", ids, settings, top_n=1)
    assert all(c.id != e.id for s in stages for c in s.top)
    for s in stages:
        assert s.chosen.id == e.id and s.chosen.text == tiny.tokenizer.decode([e.id])
        assert s.chosen.prob == s.chosen_prob == s.probs[e.id]
