"""Looking inside one pixel of a drawn picture: the image GPT's attention of the query that
predicts it, checked against attention recomputed by hand over the whole picture; the PixelCNN's
gradient saliency, checked for causality and against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from image_helpers import tiny_image_gpt, tiny_pixelcnn

from studio.core.errors import SettingsError
from studio.core.events import PixelEvent
from studio.core.pixel_inspection import ATTENTION_KIND, SALIENCY_KIND
from studio.engine.image.generation import generate_image
from studio.engine.image.inspect_pixel import inspect_pixel
from studio.engine.networks.image_gpt import shift_in, start_token
from studio.engine.networks.pixelcnn import PixelCNN, mixture_logprob
from studio.settings import ImageSettings


def drawn(loaded, **settings):
    """(the picture, {(row, col): PixelEvent}) of one sample drawn with `settings`."""
    events = list(generate_image(loaded, ImageSettings.from_dict({"seed": 3, **settings})))
    pixels = {(e.row, e.col): e for e in events if isinstance(e, PixelEvent)}
    return events[-1].image, pixels


def naive_attention(model, idx: torch.Tensor) -> torch.Tensor:
    """Every layer's causal attention over the whole sequence, from the layer's own q and k and
    nothing of the network's attention code: (layers, heads, T, T)."""
    cfg = model.config
    nh, hs = cfg.n_head, cfg.n_embd // cfg.n_head
    T = idx.shape[1]
    x = model.transformer.wte(idx) + model.transformer.wpe(torch.arange(T))
    out = []
    for block in model.transformer.h:
        h = block.ln_1(x)[0]  # (T, C)
        w = block.attn.c_attn.weight  # (3C, C)
        q = (h @ w[: cfg.n_embd].T).view(T, nh, hs).transpose(0, 1)  # (nh, T, hs)
        k = (h @ w[cfg.n_embd : 2 * cfg.n_embd].T).view(T, nh, hs).transpose(0, 1)
        scores = q @ k.transpose(1, 2) / math.sqrt(hs)  # (nh, T, T)
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        out.append(scores.masked_fill(future, float("-inf")).softmax(-1))
        x = block(x)
    return torch.stack(out)


@pytest.fixture(scope="module")
def emoji():
    loaded = tiny_image_gpt(seed=1, size=5, colours=6)
    return loaded, *drawn(loaded)


@pytest.fixture(scope="module")
def digits():
    loaded = tiny_pixelcnn(seed=2, height=7, width=6, kernel=3, n_layers=3)
    return loaded, *drawn(loaded, label=1, temperature=1.2)


def test_gpt_attention_is_the_query_that_predicts_the_pixel_recomputed_by_hand(emoji):
    loaded, picture, pixels = emoji
    model = loaded.model
    W = loaded.extras["width"]
    tokens = torch.as_tensor(
        [[pixels[divmod(t, W)].value for t in range(W * loaded.extras["height"])]]
    )
    with torch.no_grad():
        full = naive_attention(model, shift_in(tokens, start_token(model)))  # (L, nh, N, N)
    for row, col in ((0, 0), (0, 1), (2, 3), (4, 4)):
        found = inspect_pixel(loaded, picture, row, col)
        p = row * W + col
        assert found.kind == ATTENTION_KIND and found.position == p
        assert found.value == pixels[(row, col)].value
        L, nh = model.config.n_layer, model.config.n_head
        assert found.weights.shape == (L, nh, 25) and found.start.shape == (L, nh)
        # the query at input position p reads the start token (key 0) and pixels 0..p-1 (keys 1..p)
        want = full[:, :, p, : p + 1].numpy()
        np.testing.assert_allclose(found.start, want[:, :, 0], atol=1e-5)
        np.testing.assert_allclose(found.weights[:, :, :p], want[:, :, 1:], atol=1e-5)
        assert not found.weights[:, :, p:].any()  # the pixel and later ones: not yet drawn
        np.testing.assert_allclose(found.weights.sum(-1) + found.start, 1.0, atol=1e-5)
        # the averaged map is the mean of the rows, laid out as the picture
        assert found.map().shape == (5, 5)
        np.testing.assert_allclose(found.map().reshape(-1), found.weights.mean((0, 1)), atol=1e-7)
        np.testing.assert_allclose(found.map(1, 0).reshape(-1), found.weights[1, 0], atol=1e-7)
        assert math.exp(found.log_prob) == pytest.approx(pixels[(row, col)].model_prob, rel=1e-4)
    first = inspect_pixel(loaded, picture, 0, 0)
    np.testing.assert_allclose(first.start, 1.0, atol=1e-6)  # nothing else to look at
    assert not first.scaled().any()


def test_pixelcnn_saliency_is_causal_without_a_blind_spot(digits):
    loaded, picture, pixels = digits
    H, W = 7, 6
    for row, col in ((3, 2), (0, 3), (6, 5), (1, 0)):
        found = inspect_pixel(loaded, picture, row, col, label=1)
        assert found.kind == SALIENCY_KIND and found.label == 1
        sal = found.map()
        later = np.arange(H * W).reshape(H, W) >= row * W + col
        assert (sal[later] == 0).all()  # exactly: no leak from the pixel itself or later ones
        assert (sal[~later] > 0).any()
        assert math.exp(found.log_prob) == pytest.approx(pixels[(row, col)].model_prob, rel=1e-4)
        assert found.scaled().max() == pytest.approx(1.0)
    # the vertical stack sees the row above to the right of the pixel too: no blind spot there
    found = inspect_pixel(loaded, picture, 3, 2, label=1)
    assert (found.map()[2, 3:] > 0).all()
    assert not inspect_pixel(loaded, picture, 0, 0, label=1).map().any()


def test_pixelcnn_saliency_equals_finite_differences(digits):
    loaded, picture, _ = digits
    row, col, label = 4, 3, 1
    found = inspect_pixel(loaded, picture, row, col, label=label)
    model = loaded.model
    levels = torch.as_tensor(picture[None], dtype=torch.long)
    x = PixelCNN.normalize(levels).double()
    m64 = type(model)(model.config).double().eval()
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})

    def log_p(xs: torch.Tensor) -> float:
        with torch.no_grad():
            params = m64.forward_normalized(xs, torch.tensor([label]))[0, :, row, col]
            return float(mixture_logprob(params, levels[0, row, col]))

    eps = 1e-5
    for r, c in ((3, 3), (3, 4), (4, 2), (2, 1)):
        up, down = x.clone(), x.clone()
        up[0, r, c] += eps
        down[0, r, c] -= eps
        slope = (log_p(up) - log_p(down)) / (2 * eps) / 127.5  # per grey level
        assert found.map()[r, c] == pytest.approx(abs(slope), rel=1e-3, abs=1e-9)


def test_a_pixel_outside_the_picture_or_a_wrong_picture_is_one_line(emoji, digits):
    loaded, picture, _ = emoji
    with pytest.raises(SettingsError, match=r"outside the 5x5 picture"):
        inspect_pixel(loaded, picture, 5, 0)
    with pytest.raises(SettingsError, match=r"outside"):
        inspect_pixel(loaded, picture, 0, -1)
    with pytest.raises(SettingsError, match=r"5x5 RGB"):
        inspect_pixel(loaded, picture[..., 0], 1, 1)
    loaded, picture, _ = digits
    with pytest.raises(SettingsError, match=r"label 7 is not one of"):
        inspect_pixel(loaded, picture, 1, 1, label=7)
