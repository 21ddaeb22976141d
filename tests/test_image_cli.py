"""`aigc-studio generate|eval` on image models: files with metadata, and one-line errors (exit 2)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from image_helpers import save_image_model, tiny_image_gpt, tiny_pixelcnn
from PIL import Image

from studio.cli.main import main
from studio.io.png_chunks import read_image, read_png_meta

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return save_image_model(
        tmp_path_factory.mktemp("m") / "tiny-digits.safetensors", tiny_pixelcnn()
    )


@pytest.fixture(scope="module")
def emoji(tmp_path_factory):
    return save_image_model(
        tmp_path_factory.mktemp("m") / "tiny-emoji.safetensors", tiny_image_gpt()
    )


def _complete(model, init, keep_rows: str) -> int:
    """`aigc-studio generate --model MODEL --init INIT --keep-rows N`"""
    return main(["generate", "--model", str(model), "--init", str(init), "--keep-rows", keep_rows])


def _one_line_error(capsys, code):
    err = capsys.readouterr().err
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("aigc-studio: error:"), err
    assert "Traceback" not in err
    return lines[0]


def test_generate_writes_png_with_metadata_and_gif(digits, tmp_path, capsys):
    out, gif = tmp_path / "b.png", tmp_path / "b.gif"
    code = main(
        [
            "generate",
            "--model",
            str(digits),
            "--label",
            "b",
            "--seed",
            "3",
            "--output",
            str(out),
            "--gif",
            str(gif),
            "--temperature",
            "1",
        ]
    )
    assert code == 0
    meta = read_png_meta(out)
    assert meta["model"] == "tiny-digits" and meta["seed"] == "3" and meta["version"]
    settings = json.loads(meta["settings"])
    assert settings["label"] == 1 and settings["sampling"]["temperature"] == 1.0
    assert read_image(out)[0].shape == (7, 6, 3)
    assert Image.open(gif).n_frames >= 7
    # the stored settings draw the same image again
    from studio.engine.formats.model_finder import load_model
    from studio.engine.image.generation import ImageSettings, generate_image
    from studio.io.image_export import restore_from_png

    name, stored = restore_from_png(str(out))
    restored = ImageSettings.from_dict(stored)
    assert name == "tiny-digits" and restored.seed == 3 and restored.label == 1
    (done,) = [e for e in generate_image(load_model(str(digits)), restored) if e.event == "done"]
    np.testing.assert_array_equal(done.image, read_image(out)[0][..., 0])


def test_grid_of_samples_and_jsonl_events(emoji, tmp_path, capsys):
    out = tmp_path / "grid.png"
    code = main(
        [
            "generate",
            "--model",
            str(emoji),
            "--num-samples",
            "4",
            "--seed",
            "1",
            "--output",
            str(out),
            "--format",
            "jsonl",
        ]
    )
    assert code == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0]["event"] == "start" and lines[0]["num_samples"] == 4
    assert sum(1 for x in lines if x["event"] == "pixel") == 4 * 25
    assert [x["shape"] for x in lines if x["event"] == "done"] == [[5, 5, 3]] * 4
    assert read_image(out)[0].shape == (12, 12, 3)  # 2x2 samples of 5x5 with a 2-pixel gap


def test_completion_from_the_cli_keeps_rows(digits, tmp_path, capsys):
    init = np.random.default_rng(0).integers(0, 256, (7, 6)).astype(np.uint8)
    Image.fromarray(init).save(tmp_path / "init.png")
    out = tmp_path / "done.png"
    code = main(
        [
            "generate",
            "--model",
            str(digits),
            "--init",
            str(tmp_path / "init.png"),
            "--keep-rows",
            "4",
            "--seed",
            "1",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    np.testing.assert_array_equal(read_image(out)[0][:4, :, 0], init[:4])
    assert read_png_meta(out)["keep_rows"] == "4"


def test_wrong_label_is_one_line_exit_2(digits, tmp_path, capsys):
    line = _one_line_error(
        capsys,
        main(
            [
                "generate",
                "--model",
                str(digits),
                "--label",
                "7",
                "--output",
                str(tmp_path / "x.png"),
            ]
        ),
    )
    assert "--label 7" in line
    line = _one_line_error(capsys, main(["generate", "--model", str(digits), "--label", "x"]))
    assert "'any'" in line


def test_wrong_size_init_is_refused_not_resized(digits, tmp_path, capsys):
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "big.png")
    line = _one_line_error(
        capsys,
        _complete(digits, str(tmp_path / "big.png"), "2"),
    )
    assert "28x28" in line and "6x7" in line and "not resized" in line


def test_unreadable_init_is_one_line_exit_2(digits, tmp_path, capsys):
    (tmp_path / "bad.png").write_bytes(b"not a png at all")
    line = _one_line_error(
        capsys,
        _complete(digits, str(tmp_path / "bad.png"), "2"),
    )
    assert "bad.png" in line and "cannot read" in line
    line = _one_line_error(
        capsys,
        _complete(digits, str(tmp_path / "missing.png"), "2"),
    )
    assert "no such file" in line


def test_label_on_an_unconditional_model_and_rows_out_of_range(emoji, digits, tmp_path, capsys):
    _one_line_error(capsys, main(["generate", "--model", str(emoji), "--label", "3"]))
    Image.fromarray(np.zeros((7, 6), np.uint8)).save(tmp_path / "i.png")
    line = _one_line_error(
        capsys,
        _complete(digits, str(tmp_path / "i.png"), "9"),
    )
    assert "--keep-rows 9" in line


def test_the_real_command_prints_no_traceback(digits):
    r = subprocess.run(
        [sys.executable, "-m", "studio", "generate", "--model", str(digits), "--label", "12"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


def test_a_card_that_asks_for_a_huge_model_is_refused_before_building(digits, tmp_path, capsys):
    from studio.engine.formats.studio_file import load_tensors, read_card, save_model_file

    card = read_card(digits)
    card["architecture"]["channels"] = 4000
    card["architecture"]["n_layers"] = 4000
    bad = tmp_path / "huge.safetensors"
    save_model_file(bad, load_tensors(digits), card)
    line = _one_line_error(capsys, main(["generate", "--model", str(bad)]))
    assert "huge.safetensors" in line and "shape" in line


def test_models_lists_the_image_models_with_their_held_out_bits_per_dim(capsys):
    from studio.engine.formats.studio_file import read_card

    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in ("digits", "emoji"):
        bpd = read_card(str(ROOT / "models" / f"{name}.safetensors"))["metrics"]
        line = next(x for x in lines if x.startswith(name + " "))
        assert f"held-out {bpd['heldout_bits_per_dim']:.3f} bits/dim" in line


def test_guidance_from_the_command_is_stored_and_refused_where_it_means_nothing(
    digits, emoji, tmp_path, capsys
):
    out = tmp_path / "g.png"
    args = ["generate", "--model", str(digits), "--label", "c", "--seed", "2", "--output"]
    assert main([*args, str(out), "--guidance", "3"]) == 0
    meta = read_png_meta(out)
    assert json.loads(meta["settings"])["guidance"] == 3.0
    capsys.readouterr()
    line = _one_line_error(capsys, main(["generate", "--model", str(emoji), "--guidance", "2"]))
    assert "nothing to guide" in line
    line = _one_line_error(capsys, main([*args, str(tmp_path / "x.png"), "--guidance", "99"]))
    assert "guidance" in line and not (tmp_path / "x.png").exists()
