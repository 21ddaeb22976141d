"""Greedy decoding takes the FIRST maximum, the lowest id among tied top scores, as transformers
does: in text runs, in the stages view of a past step, and in images."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from helpers import tiny_char_model
from image_helpers import tiny_image_gpt

from studio.core.events import PixelEvent, TokenEvent
from studio.engine.image.generation import ImageSettings, generate_image
from studio.engine.networks.gpt import GPT
from studio.engine.sampling.chain import SamplingSettings
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.text.generation import GenerationSettings, generate_text
from studio.engine.text.sampling_stages import sampling_stages

LOW, HIGH = 3, 17  # the tied ids; topk on the CPU ranks HIGH first among these


def tie(model: GPT, low: int, high: int) -> GPT:
    """The model with the same top logit for `low` and `high` at every position, whatever it reads:
    the final norm gives a constant vector, which the tied output layer scores with the embeddings."""
    with torch.no_grad():
        model.transformer.ln_f.weight.zero_()
        model.transformer.ln_f.bias.fill_(0.5)
        wte = model.transformer.wte.weight  # (V, C), also the output layer
        wte[low] = wte[high] = 1.0
    return model


def test_greedy_pick_is_the_first_maximum():
    scores = torch.tensor([[0.0, 2.0, 1.0, 2.0], [5.0, 5.0, 5.0, 5.0], [-1.0, -3.0, -1.0, -2.0]])
    assert greedy_pick(scores).tolist() == [1, 0, 0]
    # topk's order among ties is its own: what greedy used to take first
    tied = torch.zeros(1, 40)
    tied[0, [LOW, HIGH]] = 1.0
    assert torch.topk(tied, 5).indices[0, 0].item() == HIGH
    assert greedy_pick(tied).item() == LOW


@pytest.fixture(scope="module")
def tied_text():
    loaded = tiny_char_model(seed=1, block_size=16)
    assert loaded.model.config.vocab_size > HIGH
    return replace(loaded, model=tie(loaded.model, LOW, HIGH))


@pytest.mark.parametrize(
    "sampling",
    [dict(temperature=0.0), dict(temperature=0.0, top_k=3, repetition_penalty=1.0)],
)
@pytest.mark.parametrize("context", ["slide", "shift"])
def test_text_greedy_takes_the_lowest_tied_id_and_the_stages_view_agrees(
    tied_text, sampling, context
):
    settings = GenerationSettings(
        sampling=SamplingSettings(**sampling),
        max_new_tokens=20,  # past the 16-token window: cached steps and rebuilds alike
        seed=0,
        num_samples=2,
        context=context,
    )
    events = [e for e in generate_text(tied_text, "hello", settings) if isinstance(e, TokenEvent)]
    assert len(events) == 40 and {e.id for e in events} == {LOW}
    for e in events:
        assert e.prob == 1.0 and e.entropy == 0.0
        shown = {c.id: c.prob for c in e.top}
        assert shown[LOW] == 1.0 and shown[HIGH] == 0.0  # both listed; only the drawn one is sure
        model_shown = {c.id: c.model_prob for c in e.top}
        assert e.model_prob == model_shown[LOW] == pytest.approx(model_shown[HIGH])
    ids = [e.id for e in events if e.sample == 0]
    for step in (0, 15, 19):
        stages = sampling_stages(tied_text, "hello", ids[: step + 1], settings)
        assert stages[-1].name == "greedy" and stages[-1].chosen.id == LOW
        assert stages[-1].chosen_prob == 1.0 and stages[-1].probs[HIGH] == 0.0
        assert stages[0].probs[LOW] == stages[0].probs[HIGH] == pytest.approx(events[0].model_prob)


def test_image_greedy_takes_the_lowest_tied_colour():
    loaded = tiny_image_gpt(seed=3, size=4, colours=6)
    # the image GPT without norm biases cannot be tied this way: the same model with them
    from studio.engine.networks.gpt import GPTConfig

    biased = GPT(GPTConfig(**(loaded.model.config.to_dict() | {"bias": True}))).eval()
    loaded = replace(loaded, model=tie(biased, 1, 4))
    for sampler in ("fast", "naive"):
        settings = ImageSettings(
            sampling=SamplingSettings(temperature=0.0), seed=0, num_samples=2, sampler=sampler
        )
        pixels = [e for e in generate_image(loaded, settings) if isinstance(e, PixelEvent)]
        assert len(pixels) == 2 * 16 and {p.value for p in pixels} == {1}
        assert all(p.prob == 1.0 for p in pixels)
