"""`aigc-studio inspect --pixel`: one pixel of an exported image run, what it looked at, with the
engine's numbers (and the run's own probability of the drawn value); the overlay as a PNG; bad
pixels, flags and runs in one line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from image_helpers import save_image_model, tiny_image_gpt, tiny_pixelcnn
from PIL import Image

from studio.cli.main import main
from studio.engine.formats.model_finder import load_model
from studio.engine.image.inspect_pixel import inspect_pixel
from studio.io.export import read_run
from studio.io.image_export import decode_png
from studio.io.pixel_overlay import OUTLINE, VEIL, blend, overlay_words


@pytest.fixture(scope="module")
def emoji_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("emoji")
    model = save_image_model(d / "tiny-emoji.safetensors", tiny_image_gpt(seed=4))
    run = d / "run.json"
    assert main(["generate", "--model", str(model), "--seed", "7", "--output", str(run)]) == 0
    return model, run


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("digits")
    model = save_image_model(d / "tiny-digits.safetensors", tiny_pixelcnn(seed=1))
    run = d / "run.json"
    argv = ["generate", "--model", str(model), "--label", "b", "--seed", "2", "--num-samples", "2"]
    assert main([*argv, "--output", str(run)]) == 0
    return model, run


def inspect(run, *more) -> list:
    return ["inspect", "--run", str(run), "--attention", *more]


def run_json(capsys, argv) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_json_is_the_engines_attention_and_the_runs_probability(emoji_run, capsys):
    model, run = emoji_run
    record = read_run(run)
    picture = decode_png(record.media["images"][0])
    loaded = load_model(str(model), "cpu")
    for row, col in ((0, 0), (1, 2), (4, 4)):
        got = run_json(capsys, inspect(run, "--pixel", f"{row},{col}", "--json"))
        want = inspect_pixel(loaded, picture, row, col)
        assert got["kind"] == "attention" and (got["row"], got["col"]) == (row, col)
        weights, start = np.array(got["attention"]), np.array(got["start"])
        np.testing.assert_allclose(weights, want.weights, atol=1e-6)
        np.testing.assert_allclose(weights.sum(-1) + start, 1.0, atol=1e-5)
        assert not weights[:, :, row * 5 + col :].any()
        p = record.media["model_prob"][0][row * 5 + col]
        assert math.exp(got["log_prob"]) == pytest.approx(p, abs=1e-4)
    got = run_json(capsys, inspect(run, "--pixel", "3,1", "--layer", "2", "--head", "1", "--json"))
    want = inspect_pixel(loaded, picture, 3, 1)
    np.testing.assert_allclose(np.array(got["selected_map"]), want.map(1, 0), atol=1e-6)


def test_text_map_marks_the_pixel_and_leaves_later_pixels_blank(emoji_run, capsys):
    _, run = emoji_run
    capsys.readouterr()
    assert main(inspect(run, "--pixel", "2,3")) == 0
    out = capsys.readouterr().out
    assert "Attention of the query that predicted it" in out and "start token" in out
    grid = {int(line[:3]): line[4:] for line in out.splitlines() if line[:3].strip().isdigit()}
    assert grid[2][3] == "X" and grid[2][4:] == "" and grid[3] == "" and len(grid[1]) == 5
    assert "layer 2: start" in out


def test_out_writes_the_picture_with_the_overlay(emoji_run, tmp_path, capsys):
    model, run = emoji_run
    out = tmp_path / "overlay.png"
    assert main(inspect(run, "--pixel", "2,3", "--out", str(out))) == 0
    img = np.asarray(Image.open(out).convert("RGB"))
    scale = 52  # the least whole scale that makes 5 pixels at least 256 wide
    assert img.shape == (5 * scale, 5 * scale, 3)
    picture = decode_png(read_run(run).media["images"][0])
    found = inspect_pixel(load_model(str(model), "cpu"), picture, 2, 3)
    want = blend(picture, overlay_words(found.scaled(), 2, 3))  # (5, 5, 3)
    centre = img[scale // 2 :: scale, scale // 2 :: scale]
    np.testing.assert_array_equal(centre, want)
    assert tuple(img[2 * scale, 3 * scale + scale // 2]) == OUTLINE  # the pixel's frame
    assert VEIL[3] > 0


def test_digits_saliency_is_causal_for_the_chosen_sample(digits_run, capsys):
    model, run = digits_run
    got = run_json(capsys, inspect(run, "--pixel", "3,2", "--sample", "2", "--json"))
    assert got["kind"] == "saliency" and got["label"] == 1 and got["sample"] == 2
    sal = np.array(got["map"])
    later = np.arange(42).reshape(7, 6) >= 3 * 6 + 2
    assert (sal[later] == 0).all() and (sal[~later] > 0).any()
    picture = decode_png(read_run(run).media["images"][1])
    want = inspect_pixel(load_model(str(model), "cpu"), picture, 3, 2, label=1)
    np.testing.assert_allclose(sal, want.map(), rtol=1e-5, atol=1e-9)
    capsys.readouterr()
    assert main(inspect(run, "--pixel", "3,2")) == 0
    assert "Gradient saliency under label 1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("which", "more", "says"),
    [
        ("emoji", ["--pixel", "5,0"], "outside the 5x5 picture"),
        ("emoji", ["--pixel", "2"], "give ROW,COL"),
        ("emoji", ["--pixel", "a,b"], "give ROW,COL"),
        ("emoji", [], "say which pixel"),
        ("emoji", ["--pixel", "1,1", "--layer", "3"], "--layer 3: the model has 2"),
        ("emoji", ["--pixel", "1,1", "--sample", "2"], "--sample 2: the run has 1"),
        ("emoji", ["--pixel", "1,1", "--token", "3"], "--token is for text runs"),
        ("digits", ["--pixel", "1,1", "--head", "1"], "no layers or heads"),
        ("text", ["--pixel", "1,1"], "a text run; --pixel is for image runs"),
    ],
)
def test_bad_requests_are_one_line(which, more, says, emoji_run, digits_run, tmp_path, capsys):
    if which == "text":
        from helpers import save_tiny, tiny_char_model

        model = save_tiny(tmp_path / "tiny.safetensors", tiny_char_model())
        run = tmp_path / "text.json"
        argv = ["generate", "--model", str(model), "--prompt", "hi", "--max-new-tokens", "3"]
        assert main([*argv, "--output", str(run)]) == 0
    else:
        run = (emoji_run if which == "emoji" else digits_run)[1]
    capsys.readouterr()
    assert main(inspect(run, *more)) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("aigc-studio: error:") and says in err[0], err
