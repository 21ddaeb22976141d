"""Step mode: accepting every step gives the uninterrupted run's tokens, u falls on the drawn
token, a run resumed from any step goes on as the uninterrupted one, and picks are marked."""

from __future__ import annotations

import pytest
import torch
from helpers import tiny_char_model

from studio.core.errors import SettingsError
from studio.core.events import DoneEvent, TokenEvent
from studio.engine.sampling.draw import race_draw
from studio.engine.text.generation import generate_text
from studio.engine.text.step_mode import next_step
from studio.io.run import trace_entry, trace_events
from studio.settings import GenerationSettings, SamplingSettings

SETTINGS = [
    dict(temperature=1.0),
    dict(temperature=0.8, top_k=8, top_p=0.9, min_p=0.02, repetition_penalty=1.2),
    dict(temperature=0.0, repetition_penalty=1.3),
]


@pytest.fixture(scope="module")
def tiny():
    return tiny_char_model(seed=3, block_size=16)


def settings_of(context: str = "shift", n: int = 30, **sampling) -> GenerationSettings:
    return GenerationSettings(
        sampling=SamplingSettings(**sampling), max_new_tokens=n, seed=11, context=context
    )


def run_tokens(loaded, prompt, settings, resume=()) -> list[TokenEvent]:
    return [
        e
        for e in generate_text(loaded, prompt, settings, resume=resume)
        if isinstance(e, TokenEvent)
    ]


@pytest.mark.parametrize("context", ["shift", "slide"])
@pytest.mark.parametrize("sampling", SETTINGS)
def test_accepting_every_step_equals_the_uninterrupted_run(tiny, context, sampling):
    # 30 tokens after a 5-token prompt: past the 16-token window, through its rebuilds
    settings = settings_of(context, **sampling)
    events = run_tokens(tiny, "hello", settings)
    ids: list[int] = []
    texts = []
    for e in events:
        out = next_step(tiny, "hello", ids, settings, seed=11)
        assert out.step == e.step and out.drawn.id == e.id, (e.step, out.drawn, e)
        assert out.event.id == e.id and out.event.text == e.text and not out.hand
        assert abs(out.event.prob - e.prob) < 1e-5
        assert [c.id for c in out.event.top] == [c.id for c in e.top]
        ids.append(out.event.id)
        texts.append(out.event.text)
    assert ids == [e.id for e in events]
    assert out.ends == "length"


@pytest.mark.parametrize("sampling", SETTINGS[:2])
def test_u_falls_on_the_drawn_token_of_the_cumulative_bar(tiny, sampling):
    settings = settings_of(n=12, **sampling)
    ids: list[int] = []
    us = []
    for _ in range(12):
        out = next_step(tiny, "the fox", ids, settings, seed=11)
        assert out.u is not None and 0.0 <= out.u < 1.0
        cum = 0.0
        fell = None
        for c in out.bar:
            if cum <= out.u < cum + c.prob:
                fell = c.id
            cum += c.prob
        assert fell == out.drawn.id, (out.u, out.bar[:4], out.drawn)
        us.append(out.u)
        ids.append(out.drawn.id)
    assert len(set(us)) == len(us)


def test_u_is_uniform_and_the_draw_is_multinomials():
    # the race's u, over many draws from one skewed distribution: uniform, and the tokens are
    # torch.multinomial's with the same generator state
    probs = torch.tensor([0.5, 0.25, 0.15, 0.1, 0.0])
    g, ref = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    us = []
    for _ in range(4000):
        d = race_draw(probs, g)
        assert d.token == int(torch.multinomial(probs, 1, generator=ref))
        us.append(d.u)
    assert torch.equal(g.get_state(), ref.get_state())
    counts = torch.histc(torch.tensor(us), bins=10, min=0, max=1)
    assert counts.min() > 330 and counts.max() < 470, counts  # 400 expected per tenth


@pytest.mark.parametrize("at", [0, 3, 17])
@pytest.mark.parametrize("sampling", SETTINGS[:2])
def test_run_on_from_any_step_gives_the_uninterrupted_run(tiny, at, sampling):
    settings = settings_of(**sampling)
    whole = list(generate_text(tiny, "hello", settings))
    tokens = [e for e in whole if isinstance(e, TokenEvent)]
    ids = [e.id for e in tokens]
    resumed = list(generate_text(tiny, "hello", settings, resume=ids[:at]))
    rest = [e for e in resumed if isinstance(e, TokenEvent)]
    assert [e.step for e in rest] == list(range(at, len(ids)))
    assert [e.id for e in rest] == ids[at:]
    assert "".join(e.text for e in rest) == "".join(e.text for e in tokens[at:])
    done = [e for e in resumed if isinstance(e, DoneEvent)][0]
    assert done.tokens == len(ids) and done.text == whole[-1].text


def test_a_picked_token_is_marked_and_the_run_goes_on_from_it(tiny):
    settings = settings_of(n=10, temperature=1.0)
    first = next_step(tiny, "hello", [], settings, seed=11)
    other = next(c.id for c in first.bar if c.id != first.drawn.id)
    picked = next_step(tiny, "hello", [], settings, seed=11, pick=other)
    assert picked.hand and picked.event.by_hand and picked.event.id == other
    assert picked.drawn == first.drawn and picked.u == first.u
    # the pick is kept in the run's trace, and only a pick says so
    assert trace_entry(picked.event)["by_hand"] is True and "by_hand" not in trace_entry(
        first.event
    )
    assert trace_events([trace_entry(picked.event)])[0].by_hand
    # the next step reads the picked token, with the seed stream at step 1
    after = next_step(tiny, "hello", [other], settings, seed=11)
    rest = run_tokens(tiny, "hello", settings, resume=[other])
    assert after.drawn.id == rest[0].id and after.step == 1


def test_stages_list_what_each_removed_in_rank_order(tiny):
    settings = settings_of(n=5, temperature=0.9, top_k=5, top_p=0.8)
    out = next_step(tiny, "hello", [], settings, seed=11)
    assert [s.name for s in out.stages] == ["model", "temperature", "top-k", "top-p"]
    topk = out.stages[2]
    vocab = tiny.model.config.vocab_size
    assert topk.kept == 5 and topk.removed_count == vocab - 5
    probs = [c.prob for c in topk.removed]
    assert probs == sorted(probs, reverse=True) and all(p > 0 for p in probs)
    # what top-k removed is not what top-p removed; top-p removes from top-k's five
    assert out.stages[3].removed_count == 5 - out.stages[3].kept
    assert not {c.id for c in topk.removed} & {c.id for c in out.stages[3].top}


def test_bad_steps_are_one_line(tiny):
    settings = settings_of(n=3, temperature=1.0)
    with pytest.raises(SettingsError, match="picked token"):
        next_step(tiny, "hello", [], settings, seed=1, pick=10**6)
    ids = [e.id for e in run_tokens(tiny, "hello", settings)]
    with pytest.raises(SettingsError, match="nothing to step on to"):
        next_step(tiny, "hello", ids, settings, seed=1)
