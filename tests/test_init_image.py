"""One rule for an image to complete (io/init_image.py): the command line's --init and the window's
Load Image… keep the same pixels of the same file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from ui_image_helpers import (
    image_models_fixture,  # noqa: F401 - the fixture
    open_image_window,
)

from studio.cli.main import main
from studio.core.errors import SettingsError
from studio.engine.image import generation
from studio.io.init_image import read_init_image
from studio.io.png_chunks import ImageFileError, read_png_meta

H, W = 10, 8  # the tiny digits model's size (ui_image_helpers.tiny_digits)


def _files(folder: Path, height: int, width: int, colour: bool) -> dict[str, Path]:
    """An opaque picture, and the same with transparent pixels (alpha 0, stored black) in a
    diagonal band that starts on the first row."""
    rng = np.random.default_rng(height * width)
    rgb = rng.integers(0, 256, (height, width, 3)).astype(np.uint8)
    if not colour:
        rgb[..., 1] = rgb[..., 2] = rgb[..., 0]  # grey: kept exactly
        rgb[0, 0] = (200, 10, 60)  # one colour pixel: the luma of it
    alpha = np.full((height, width), 255, np.uint8)
    r, c = np.indices((height, width))
    alpha[(r + c) % 3 == 0] = 0
    rgba = np.dstack([np.where(alpha[..., None] > 0, rgb, 0), alpha])
    folder.mkdir(exist_ok=True)
    files = {"opaque": folder / "opaque.png", "transparent": folder / "transparent.png"}
    Image.fromarray(rgb, "RGB").save(files["opaque"])
    Image.fromarray(rgba.astype(np.uint8), "RGBA").save(files["transparent"])
    return files


def _cli(monkeypatch, tmp_path: Path, model: Path, init: Path, *more: str):
    """(init pixels, keep mask) the command line hands the engine for `--init init MORE...`."""
    seen = {}
    real = generation.generate_image

    def spy(loaded, settings, init=None, mask=None, cancel=None):
        seen["init"], seen["mask"] = init, mask
        return real(loaded, settings, init=init, mask=mask, cancel=cancel)

    monkeypatch.setattr(generation, "generate_image", spy)
    out = tmp_path / "done.png"
    args = ["generate", "--model", str(model), "--init", str(init), "--output", str(out), "--force"]
    args += more
    assert main(args) == 0
    assert read_png_meta(out)["kept_pixels"] == str(int(seen["mask"].sum()))
    return seen["init"], seen["mask"]


@pytest.mark.parametrize("kind", ["digits", "emoji"])
def test_the_command_line_and_the_window_keep_the_same_pixels(
    kind, image_models, qtbot, tmp_path, monkeypatch
):
    model = image_models / f"tiny-{kind}.safetensors"
    w = open_image_window(qtbot, model)
    height, width = w.image.H, w.image.W
    files = _files(tmp_path / "pictures", height, width, colour=kind == "emoji")
    for name, path in files.items():
        assert w.image.drawing.load_image(str(path)), name
        pixels, keep = _cli(monkeypatch, tmp_path, model, path)
        np.testing.assert_array_equal(w.image.drawing.sketch, pixels, err_msg=name)
        np.testing.assert_array_equal(w.image.drawing.sketch_mask, keep, err_msg=name)
        if name == "opaque":  # nothing says where to draw: the top half is kept
            assert keep[: height // 2].all() and not keep[height // 2 :].any()
        else:  # exactly the opaque pixels
            np.testing.assert_array_equal(keep, np.asarray(Image.open(path))[..., 3] > 0)
        # --keep-rows narrows the same rule: the first rows, never a transparent pixel
        pixels, keep = _cli(monkeypatch, tmp_path, model, path, "--keep-rows", "3")
        expected = read_init_image(path, height, width, grey=kind == "digits", keep_rows=3)
        np.testing.assert_array_equal(pixels, expected[0])
        np.testing.assert_array_equal(keep, expected[1])
        assert not keep[3:].any() and keep[:3].sum() == (
            3 * width if name == "opaque" else (np.asarray(Image.open(path))[:3, :, 3] > 0).sum()
        )


def test_the_rule_on_its_own(tmp_path):
    files = _files(tmp_path, H, W, colour=False)
    pixels, keep = read_init_image(files["opaque"], H, W, grey=True)
    assert pixels.shape == (H, W) and pixels.dtype == np.uint8
    rgb = np.asarray(Image.open(files["opaque"]))
    assert pixels[0, 0] == round(0.299 * 200 + 0.587 * 10 + 0.114 * 60)  # a colour pixel's luma
    np.testing.assert_array_equal(pixels[1:], rgb[1:, :, 0])  # grey levels exactly
    assert keep.sum() == H // 2 * W
    colour, keep = read_init_image(files["transparent"], H, W, grey=False, keep_rows=0)
    assert colour.shape == (H, W, 3) and not keep.any()
    _, everything = read_init_image(files["opaque"], H, W, grey=True, keep_rows=H)
    assert everything.all()


def test_bad_init_images_are_one_clear_line(tmp_path):
    files = _files(tmp_path, H, W, colour=False)
    with pytest.raises(ImageFileError, match=r"is 8x10 pixels but digits draws 6x7; it is not"):
        read_init_image(files["opaque"], 7, 6, grey=True, model="digits")
    with pytest.raises(SettingsError, match="--keep-rows 11 must be from 0 to 10"):
        read_init_image(files["opaque"], H, W, grey=True, keep_rows=11)
    with pytest.raises(SettingsError, match="--keep-rows -1"):
        read_init_image(files["opaque"], H, W, grey=True, keep_rows=-1)
    (tmp_path / "bad.png").write_bytes(b"no picture")
    with pytest.raises(ImageFileError, match="bad.png: cannot read as an image"):
        read_init_image(tmp_path / "bad.png", H, W, grey=True)
    with pytest.raises(ImageFileError, match="missing.png: no such file"):
        read_init_image(tmp_path / "missing.png", H, W, grey=True)
