"""Image generation events: batches, completion of a partial image, cancellation, distributions."""

import threading

import numpy as np
import pytest
from image_helpers import tiny_image_gpt, tiny_pixelcnn

from studio.core.errors import SettingsError
from studio.engine.image.generation import generate_image
from studio.settings import ImageSettings, SamplingSettings


def _done(events):
    return [e for e in events if e.event == "done"]


@pytest.mark.parametrize("sampler", ["fast", "naive"])
def test_completion_keeps_the_given_rows_exactly(sampler):
    loaded = tiny_pixelcnn()
    rng = np.random.default_rng(1)
    init = rng.integers(0, 256, (7, 6)).astype(np.uint8)
    mask = np.zeros((7, 6), dtype=bool)
    mask[:3] = True
    events = list(
        generate_image(
            loaded, ImageSettings(seed=2, num_samples=2, sampler=sampler), init=init, mask=mask
        )
    )
    pixels = [e for e in events if e.event == "pixel"]
    assert all(e.row >= 3 for e in pixels)
    assert len(pixels) == 2 * 4 * 6
    for d in _done(events):
        np.testing.assert_array_equal(d.image[:3], init[:3])
        assert d.tokens == 24


def test_completion_with_a_drawn_mask_keeps_those_pixels_in_colour():
    loaded = tiny_image_gpt()
    rng = np.random.default_rng(3)
    init = rng.integers(0, 256, (5, 5, 3)).astype(np.uint8)  # colours not in the palette
    mask = rng.random((5, 5)) < 0.4
    runs = {}
    for sampler in ("fast", "naive"):
        events = list(
            generate_image(loaded, ImageSettings(seed=4, sampler=sampler), init=init, mask=mask)
        )
        (done,) = _done(events)
        np.testing.assert_array_equal(done.image[mask], init[mask])
        drawn = {(e.row, e.col) for e in events if e.event == "pixel"}
        assert drawn == {tuple(p) for p in np.argwhere(~mask)}
        runs[sampler] = done.image
    np.testing.assert_array_equal(runs["fast"], runs["naive"])


def test_sample_zero_of_a_batch_equals_a_single_run():
    loaded = tiny_pixelcnn()
    one = _done(generate_image(loaded, ImageSettings(seed=5, label=2)))[0].image
    many = _done(generate_image(loaded, ImageSettings(seed=5, label=2, num_samples=3)))
    np.testing.assert_array_equal(one, many[0].image)
    assert one.shape == (7, 6) and one.dtype == np.uint8


def test_cancel_stops_at_the_next_pixel():
    loaded = tiny_pixelcnn()
    cancel = threading.Event()
    pixels = 0
    events = []
    for e in generate_image(loaded, ImageSettings(seed=1, num_samples=2), cancel=cancel):
        events.append(e)
        if e.event == "pixel":
            pixels += 1
            if pixels == 10:
                cancel.set()
    assert pixels == 10  # the batch finishes the pixel it was drawing, then stops
    done = _done(events)
    assert [d.stop_reason for d in done] == ["cancelled", "cancelled"]
    assert done[0].tokens == 5


def test_events_carry_probabilities_and_the_distribution_when_asked():
    loaded = tiny_pixelcnn()
    s = ImageSettings(
        sampling=SamplingSettings(temperature=0.7, top_k=20), seed=3, distribution=True
    )
    pixels = [e for e in generate_image(loaded, s) if e.event == "pixel"]
    for e in pixels[:20]:
        assert len(e.distribution) == 256
        assert abs(sum(e.distribution) - 1) < 1e-4
        assert sum(p > 0 for p in e.distribution) <= 20
        assert e.prob == pytest.approx(e.distribution[e.value])
        assert 0 < e.model_prob <= 1 and e.entropy >= 0
    colour = [
        e
        for e in generate_image(tiny_image_gpt(), ImageSettings(seed=1, distribution=True))
        if e.event == "pixel"
    ]
    assert len(colour[0].distribution) == 6  # the palette, not the start token


def test_greedy_is_deterministic_without_a_seed():
    loaded = tiny_image_gpt()
    s = ImageSettings(sampling=SamplingSettings(temperature=0))
    a = _done(generate_image(loaded, s))[0].image
    b = _done(generate_image(loaded, s))[0].image
    np.testing.assert_array_equal(a, b)


def test_bad_settings_are_refused_with_a_message():
    with pytest.raises(SettingsError, match="label 5"):
        list(generate_image(tiny_pixelcnn(), ImageSettings(label=5)))
    with pytest.raises(SettingsError, match="without labels"):
        list(generate_image(tiny_image_gpt(), ImageSettings(label=1)))
    with pytest.raises(SettingsError, match="init image must be"):
        list(
            generate_image(
                tiny_pixelcnn(),
                ImageSettings(),
                init=np.zeros((8, 8), np.uint8),
                mask=np.ones((8, 8), bool),
            )
        )


def test_draw_follows_the_distribution_and_never_picks_an_impossible_value():
    import torch

    from studio.engine.image.generation import draw

    probs = torch.tensor([[0.0, 0.25, 0.0, 0.75, 0.0]] * 2)
    gens = [torch.Generator().manual_seed(i) for i in range(2)]
    counts = torch.zeros(5)
    for _ in range(2000):
        for v in draw(probs, gens):
            counts[v] += 1
    assert counts[0] == counts[2] == counts[4] == 0
    assert abs(counts[3] / counts.sum() - 0.75) < 0.03


def _pixels(loaded, **kw):
    events = list(generate_image(loaded, ImageSettings(**kw)))
    return [e for e in events if e.event == "pixel"], [e.image for e in events if e.event == "done"]


def test_guidance_draws_from_any_plus_g_times_label_minus_any():
    import torch

    loaded = tiny_pixelcnn(kernel=5)
    g = 2.5
    sampling = SamplingSettings(temperature=1.0)  # the guided scores as they are
    pixels, _ = _pixels(loaded, sampling=sampling, seed=3, label=1, guidance=g, distribution=True)
    first = pixels[0]  # pixel (0, 0): nothing drawn before it, so the scores are the model's alone
    model = loaded.model
    with torch.no_grad():
        x = torch.zeros(2, 7, 6, dtype=torch.long)
        params = model(x, torch.tensor([1, loaded.extras["any_label"]]))[:, :, 0, 0]
        lp = model.level_logprobs(params).log_softmax(-1)  # (2, 256)
    want = torch.softmax(lp[1] + g * (lp[0] - lp[1]), -1)
    np.testing.assert_allclose(first.distribution, want.numpy(), atol=1e-5)
    assert first.model_prob == pytest.approx(lp[0, first.value].exp().item(), abs=1e-5)
    assert first.prob != pytest.approx(first.model_prob, abs=1e-6)


@pytest.mark.parametrize("label", [0, 2])
def test_guided_fast_sampler_equals_guided_naive(label):
    loaded = tiny_pixelcnn(kernel=5, position_bias=True)
    kw = dict(seed=11, num_samples=2, label=label, guidance=3.0)
    fast = _pixels(loaded, sampler="fast", **kw)
    naive = _pixels(loaded, sampler="naive", **kw)
    assert [(p.sample, p.value) for p in fast[0]] == [(p.sample, p.value) for p in naive[0]]
    plain = _pixels(loaded, seed=11, num_samples=2, label=label)
    assert [p.value for p in fast[0]] != [p.value for p in plain[0]]  # guidance changed something


def test_guidance_one_or_the_any_label_changes_nothing():
    loaded = tiny_pixelcnn()
    base = _pixels(loaded, seed=5, label=2)[0]
    assert [p.value for p in _pixels(loaded, seed=5, label=2, guidance=1.0)[0]] == [
        p.value for p in base
    ]
    any_plain = _pixels(loaded, seed=5, label=None)[0]
    any_guided = _pixels(loaded, seed=5, label=None, guidance=4.0)[0]
    assert [p.value for p in any_plain] == [p.value for p in any_guided]


def test_guidance_is_refused_where_it_means_nothing_or_is_out_of_range():
    with pytest.raises(SettingsError, match="nothing to guide"):
        list(generate_image(tiny_image_gpt(), ImageSettings(guidance=2.0)))
    for bad in (-0.5, 21.0, float("nan"), "2", True):
        with pytest.raises(SettingsError, match="guidance"):
            ImageSettings(guidance=bad)


@pytest.mark.parametrize("sampler", ["fast", "naive"])
def test_a_pixelcnn_without_label_names_draws_with_the_any_label(sampler):
    # a card may leave out the label names; such a model draws as "any class" (it once failed
    # with a TypeError from torch.full)
    named = tiny_pixelcnn()
    unnamed = tiny_pixelcnn()
    unnamed.extras["labels"] = None
    settings = ImageSettings(seed=4, num_samples=2, sampler=sampler)
    got = _done(generate_image(unnamed, settings))
    want = _done(generate_image(named, settings))  # no label given: the "any" label
    assert len(got) == 2
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g.image, w.image)
