"""Step mode for pixels in the engine, with a tiny emoji GPT and a tiny PixelCNN: accepting every
step gives exactly the uninterrupted run's pixels, u falls in the drawn value's slice of the
cumulative bar, running on from any step finishes the uninterrupted picture, and a value picked by
hand is marked and the run goes on from it."""

from __future__ import annotations

import numpy as np
import pytest
from image_helpers import tiny_image_gpt, tiny_pixelcnn

from studio.core.errors import SettingsError
from studio.engine.image.generation import generate_image
from studio.engine.image.step_mode import next_pixel_step
from studio.settings import ImageSettings, SamplingSettings


@pytest.fixture(scope="module")
def emoji():
    return tiny_image_gpt(seed=1, size=4, colours=6)


@pytest.fixture(scope="module")
def digits():
    return tiny_pixelcnn(seed=2, height=4, width=5, log_scale=0.5)


def settings(seed=7, n=1, sampler="fast", **sampling) -> ImageSettings:
    return ImageSettings(
        sampling=SamplingSettings(**sampling), seed=seed, num_samples=n, sampler=sampler
    )


def uninterrupted(loaded, s, init=None, mask=None, resume=()):
    """(sample 0's drawn values in order, every sample's final image)."""
    events = list(generate_image(loaded, s, init, mask, resume=resume))
    values = [e.value for e in events if e.event == "pixel" and e.sample == 0]
    return values, [e.image for e in events if e.event == "done"]


def step_through(loaded, s, init=None, mask=None, upto=None):
    values, outcomes = [], []
    while upto is None or len(values) < upto:
        o = next_pixel_step(loaded, s, values, init=init, mask=mask)
        outcomes.append(o)
        values.append(o.event.value)
        if o.ends:
            break
    return values, outcomes


CASES = [
    ("emoji", dict(temperature=1.3, top_k=4)),
    ("emoji", dict(temperature=0.9, top_p=0.8, min_p=0.02)),
    ("digits", dict(temperature=1.1, top_k=40, top_p=0.9)),
    ("digits", dict(temperature=0.0)),  # greedy: no draw, no u
]


@pytest.mark.parametrize("model,sampling", CASES)
@pytest.mark.parametrize("sampler", ["fast", "naive"])
def test_accepting_every_step_equals_the_uninterrupted_run(request, model, sampling, sampler):
    loaded = request.getfixturevalue(model)
    s = settings(sampler=sampler, **sampling)
    whole, images = uninterrupted(loaded, s)
    values, outcomes = step_through(loaded, s)
    assert values == whole
    assert [(o.row, o.col) for o in outcomes][:3] == [(0, 0), (0, 1), (0, 2)]
    assert outcomes[-1].ends == "length" and not any(o.ends for o in outcomes[:-1])
    assert not any(o.hand for o in outcomes)
    greedy = sampling.get("temperature") == 0.0
    assert all((o.u is None) == greedy for o in outcomes)


@pytest.mark.parametrize("model", ["emoji", "digits"])
def test_u_falls_in_the_drawn_values_slice_of_the_bar(request, model):
    loaded = request.getfixturevalue(model)
    _, outcomes = step_through(loaded, settings(seed=3, temperature=1.2, top_k=5))
    for o in outcomes:
        ids = [c.id for c in o.bar]
        assert ids == sorted(ids)  # the draw's order: value 0 first
        cum = np.cumsum([c.prob for c in o.bar])
        k = ids.index(o.drawn.id)
        lo = cum[k - 1] if k else 0.0
        assert lo - 1e-6 <= o.u <= cum[k] + 1e-6
        names = [s.name for s in o.stages]
        assert names == ["model", "temperature", "top-k"]
        palette = loaded.extras.get("palette")
        V = 256 if palette is None else len(palette)
        assert len(o.dists) == len(o.stages) and o.dists[0].shape == (V,)


def test_stages_list_what_each_removed_in_rank_order(digits):
    o = next_pixel_step(digits, settings(temperature=1.0, top_k=3), [])
    topk = o.stages[1]
    assert topk.kept == 3 and topk.removed_count == 256 - 3
    probs = [c.prob for c in topk.removed]
    assert probs == sorted(probs, reverse=True)
    before = o.dists[0]
    kept = set(np.argsort(-before, kind="stable")[:3].tolist())
    assert {c.id for c in o.bar} == kept and not kept & {c.id for c in topk.removed}


@pytest.mark.parametrize("at", [0, 3, 9])
def test_run_on_from_any_step_gives_the_uninterrupted_picture(emoji, at):
    s = settings(seed=11, temperature=1.0)
    whole, images = uninterrupted(emoji, s)
    values, _ = step_through(emoji, s, upto=at)
    resumed, resumed_images = uninterrupted(emoji, s, resume=values)
    assert resumed == whole and np.array_equal(resumed_images[0], images[0])


def test_a_pick_is_marked_and_the_run_goes_on_from_it(digits):
    s = settings(seed=5, temperature=1.0, top_k=50)
    whole, _ = uninterrupted(digits, s)
    values, _ = step_through(digits, s, upto=4)
    drawn = next_pixel_step(digits, s, values)
    pick = next(c.id for c in drawn.bar if c.id != drawn.drawn.id)
    picked = next_pixel_step(digits, s, values, pick=pick)
    assert picked.hand and picked.event.value == pick and picked.drawn == drawn.drawn
    assert picked.event.prob == pytest.approx(next(c.prob for c in drawn.bar if c.id == pick))
    after = [*values, pick]
    # stepping on after the pick, and running on from it, give the same pixels
    more = list(after)
    while True:
        o = next_pixel_step(digits, s, more)
        more.append(o.event.value)
        if o.ends:
            break
    resumed, _ = uninterrupted(digits, s, resume=after)
    assert resumed == more and resumed[:4] == whole[:4] and resumed[4] == pick


def test_completion_and_guidance_step_as_they_run():
    loaded = tiny_pixelcnn(seed=4, height=4, width=4, log_scale=0.5, bias_std=0.5)
    s = ImageSettings(
        sampling=SamplingSettings(temperature=1.0), seed=2, num_samples=1, label=1, guidance=2.0
    )
    init = np.full((4, 4), 200, np.uint8)
    mask = np.zeros((4, 4), bool)
    mask[:2] = True  # the first two rows kept
    whole, _ = uninterrupted(loaded, s, init, mask)
    values, outcomes = step_through(loaded, s, init, mask)
    assert values == whole and len(values) == 8
    assert (outcomes[0].row, outcomes[0].col) == (2, 0)
    assert outcomes[0].stages[0].name == "guidance"


def test_batch_sample_0_is_stepped_and_the_others_drawn_on_run_on(emoji):
    s = settings(seed=7, n=3, temperature=1.0)
    whole, images = uninterrupted(emoji, s)
    values, _ = step_through(emoji, s, upto=5)
    assert values == whole[:5]
    _, resumed = uninterrupted(emoji, s, resume=values)
    assert all(np.array_equal(a, b) for a, b in zip(images, resumed, strict=True))


def test_bad_steps_are_one_line(emoji):
    s = settings()
    with pytest.raises(SettingsError, match="0..5"):
        next_pixel_step(emoji, s, [], pick=6)
    with pytest.raises(SettingsError, match="0..5"):
        next_pixel_step(emoji, s, [9])
    with pytest.raises(SettingsError, match="nothing to step on"):
        next_pixel_step(emoji, s, [0] * 16)
    with pytest.raises(SettingsError, match="seed"):
        next_pixel_step(emoji, settings(seed=None), [])
    with pytest.raises(SettingsError, match="resumed"):
        list(generate_image(emoji, s, resume=[0] * 17))
