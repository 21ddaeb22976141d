"""The Gated PixelCNN: causal in raster order, no blind spot, and the fast sampler's cache computes
exactly what the full network computes."""

import numpy as np
import pytest
import torch
from image_helpers import tiny_pixelcnn

from studio.engine.image.generation import generate_image
from studio.engine.networks.pixelcnn import mixture_logprob
from studio.settings import ImageSettings


def _dependencies(model, x, labels, r, c):
    """Which input pixels the output at (r, c) has a nonzero gradient for: (H, W) bool."""
    xf = (x.float() / 127.5 - 1.0).requires_grad_()
    v = h = xf[:, None]
    for layer in model.layers:
        v, h = layer(v, h, labels)
    out = model.head2(torch.relu(model.head1(torch.relu(h))))  # (B, 3*n_mix, H, W)
    (g,) = torch.autograd.grad(out[0, :, r, c].sum(), xf)
    return g[0].abs() > 0


@pytest.mark.parametrize("position_bias", [False, True])
def test_each_output_depends_only_on_earlier_pixels_and_there_is_no_blind_spot(position_bias):
    loaded = tiny_pixelcnn(
        height=9, width=9, kernel=3, position_bias=position_bias
    )  # 3 layers, 1 row/column of reach each
    model = loaded.model
    H, W = 9, 9
    x = torch.randint(0, 256, (1, H, W))
    labels = torch.tensor([1])
    for r in range(H):
        for c in range(W):
            dep = _dependencies(model, x, labels, r, c)
            later = torch.arange(H * W).view(H, W) >= r * W + c
            assert not dep[later].any(), f"output ({r},{c}) sees a later pixel"
    # the full receptive field of (6, 4): rows 3..5 over columns 1..7, and row 6 left of column 4;
    # a single masked stack would miss the up-right part of it (the blind spot)
    dep = _dependencies(model, x, labels, 6, 4)
    expected = torch.zeros(H, W, dtype=torch.bool)
    expected[3:6, 1:8] = True
    expected[6, 1:4] = True
    assert torch.equal(dep, expected)


def test_perturbing_later_pixels_leaves_the_output_unchanged():
    model = tiny_pixelcnn().model
    x = torch.randint(0, 256, (2, 7, 6))
    labels = torch.tensor([0, 3])
    with torch.no_grad():
        base = model(x, labels)
        y = x.clone()
        y[:, 4, 2:] = 255 - y[:, 4, 2:]
        y[:, 5:] = torch.randint(0, 256, y[:, 5:].shape)
        moved = model(y, labels)
    flat_b = base.flatten(2)  # (B, C, H*W)
    flat_m = moved.flatten(2)
    first_changed = 4 * 6 + 2
    assert torch.equal(flat_b[..., : first_changed + 1], flat_m[..., : first_changed + 1])
    assert not torch.allclose(flat_b[..., first_changed + 1 :], flat_m[..., first_changed + 1 :])


@pytest.mark.parametrize("position_bias", [False, True])
def test_incremental_state_matches_the_full_forward(position_bias):
    model = tiny_pixelcnn(kernel=5, position_bias=position_bias).model
    x = torch.randint(0, 256, (3, 7, 6))
    labels = torch.tensor([0, 2, 3])
    with torch.no_grad():
        full = model(x, labels)  # (B, 3*n_mix, H, W)
        state = model.new_state(3, labels)
        for r in range(7):
            state.begin_row(r)
            for c in range(6):
                torch.testing.assert_close(state.column(c), full[:, :, r, c], atol=1e-5, rtol=0)
                state.put(c, x[:, r, c])


def test_level_distribution_sums_to_one_and_matches_the_loss():
    model = tiny_pixelcnn().model
    params = torch.randn(4, 3 * model.config.n_mix) * 2
    lp = model.level_logprobs(params)  # (4, 256)
    torch.testing.assert_close(lp.exp().sum(-1), torch.ones(4), atol=1e-4, rtol=0)
    values = torch.tensor([0, 17, 200, 255])
    ref = mixture_logprob(params, values)  # the loss's formula, exact in the tails
    torch.testing.assert_close(ref, lp[torch.arange(4), values], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("position_bias", [False, True])
def test_fast_sampler_draws_exactly_the_naive_samplers_pixels(position_bias):
    loaded = tiny_pixelcnn(kernel=5, position_bias=position_bias)
    for label, seed in ((1, 0), (None, 7)):
        runs = {}
        for sampler in ("fast", "naive"):
            s = ImageSettings(seed=seed, num_samples=3, label=label, sampler=sampler)
            events = list(generate_image(loaded, s))
            runs[sampler] = (
                [(e.sample, e.row, e.col, e.value) for e in events if e.event == "pixel"],
                [e.image for e in events if e.event == "done"],
            )
        assert runs["fast"][0] == runs["naive"][0]
        for a, b in zip(runs["fast"][1], runs["naive"][1], strict=True):
            np.testing.assert_array_equal(a, b)
        assert len({im.tobytes() for im in runs["fast"][1]}) == 3  # the samples differ


def test_position_bias_makes_the_same_input_give_different_outputs_by_position():
    """A flat black image: without position biases every interior pixel away from the edges gets
    the same distribution; with them, rows differ."""
    x = torch.zeros(1, 9, 9, dtype=torch.long)
    labels = torch.tensor([0])
    with torch.no_grad():
        plain = tiny_pixelcnn(height=9, width=9, position_bias=False).model(x, labels)
        placed = tiny_pixelcnn(height=9, width=9, position_bias=True).model(x, labels)
    torch.testing.assert_close(plain[0, :, 6, 4], plain[0, :, 7, 4])
    assert not torch.allclose(placed[0, :, 6, 4], placed[0, :, 7, 4])
