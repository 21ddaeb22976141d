"""PNG files keep how they were made: text chunks round-trip and restore the settings."""

import json

import numpy as np

from studio.io.png_chunks import read_image, read_png_meta, save_png
from studio.settings import ImageSettings, SamplingSettings


def test_text_chunks_round_trip(tmp_path):
    img = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    settings = ImageSettings(
        sampling=SamplingSettings(temperature=0.9, top_p=0.95), seed=42, label=7, num_samples=1
    )
    meta = {
        "model": "digits",
        "settings": json.dumps(settings.to_dict()),
        "seed": "42",
        "version": "0.1.0",
        "note": "数字 ✓",  # not Latin-1: stored as iTXt
    }
    path = tmp_path / "seven.png"
    save_png(path, img, meta)
    back = read_png_meta(path)
    assert back == meta
    assert ImageSettings.from_dict(json.loads(back["settings"])) == settings
    rgb, alpha = read_image(path)
    np.testing.assert_array_equal(rgb[..., 0], img)
    assert alpha is None


def test_colour_images_round_trip_and_foreign_chunks_are_ignored(tmp_path):
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3)).astype(np.uint8)
    path = tmp_path / "emoji.png"
    save_png(path, img, {"model": "emoji"})
    np.testing.assert_array_equal(read_image(path)[0], img)
    info = PngInfo()
    info.add_text("Software", "something else")
    Image.fromarray(img).save(tmp_path / "other.png", pnginfo=info)
    assert read_png_meta(tmp_path / "other.png") == {}
