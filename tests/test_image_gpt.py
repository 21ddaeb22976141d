"""The colour model: the text engine's GPT over palette indices. Causal, and the KV-cached sampler
draws exactly what the uncached one draws."""

import numpy as np
import torch
from image_helpers import tiny_image_gpt

from studio.engine.image.datasets import dequantize, kmeans_palette, quantize
from studio.engine.image.generation import generate_image
from studio.engine.networks.image_gpt import sequence_nll, shift_in, start_token
from studio.settings import ImageSettings


def test_logits_depend_only_on_earlier_pixels():
    model = tiny_image_gpt().model
    x = torch.randint(0, 6, (2, 25))
    inp = shift_in(x, start_token(model))
    with torch.no_grad():
        base = model(inp)  # (B, 25, 7): position t predicts pixel t from pixels < t
        for t in (0, 7, 24):
            y = x.clone()
            y[:, t:] = (y[:, t:] + 1 + torch.randint(0, 5, y[:, t:].shape)) % 6
            moved = model(shift_in(y, start_token(model)))
            torch.testing.assert_close(base[:, : t + 1], moved[:, : t + 1])
            if t < 24:
                assert not torch.allclose(base[:, t + 1 :], moved[:, t + 1 :])


def test_kv_cache_sampler_draws_exactly_the_uncached_samplers_pixels():
    loaded = tiny_image_gpt()
    runs = {}
    for sampler in ("fast", "naive"):
        s = ImageSettings(seed=11, num_samples=4, sampler=sampler)
        events = list(generate_image(loaded, s))
        runs[sampler] = [
            (e.sample, e.step, e.value, round(e.prob, 5)) for e in events if e.event == "pixel"
        ]
    assert runs["fast"] == runs["naive"]
    assert len({v for _, _, v, _ in runs["fast"]}) > 1
    assert all(0 <= v < 6 for _, _, v, _ in runs["fast"])  # never the start token


def test_sequence_nll_is_the_mean_cross_entropy():
    model = tiny_image_gpt().model
    x = torch.randint(0, 6, (3, 25))
    with torch.no_grad():
        nll = sequence_nll(model, x)
        logp = model(shift_in(x, start_token(model))).log_softmax(-1)
        ref = -logp.gather(2, x[..., None])[..., 0].mean(1)
    torch.testing.assert_close(nll, ref)


def test_palette_keeps_white_first_and_quantizes_to_nearest():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (20, 8, 8, 3)).astype(np.uint8)
    img[:, :2] = 255
    pal = kmeans_palette(img, k=8, iters=5)
    assert pal.shape == (8, 3) and pal.dtype == np.uint8
    assert pal[0].tolist() == [255, 255, 255]
    idx = quantize(img, pal)
    assert (idx[:, :2] == 0).all()
    d_chosen = ((dequantize(idx, pal).astype(int) - img) ** 2).sum(-1)
    d_all = ((pal[None, None, None].astype(int) - img[..., None, :]) ** 2).sum(-1).min(-1)
    np.testing.assert_array_equal(d_chosen, d_all)
