"""`aigc-studio generate` as a person meets it: outputs checked before the run (format by extension,
no overwrite without --force, unwritable places refused), long prompts from a file or standard
input, enlarged pictures that open back to the model's pixels, and readable summary lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import save_tiny, tiny_char_model
from image_helpers import save_image_model, tiny_pixelcnn
from PIL import Image

from studio.cli.main import main
from studio.cli.prompts import PromptError, read_prompt
from studio.io.export import read_run
from studio.io.png_chunks import read_image, read_png_meta

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def text_model(tmp_path_factory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("m") / "tiny.safetensors", tiny_char_model())


@pytest.fixture(scope="module")
def image_model(tmp_path_factory) -> Path:
    return save_image_model(tmp_path_factory.mktemp("m") / "digits.safetensors", tiny_pixelcnn())


def gen(capsys, model: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["generate", "--model", str(model), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, err: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "out.jpg",
            "'.jpg' is not a format; use .txt, .md, .json, .jsonl (text) or .png, .gif, .json",
        ),
        ("out.txt", "'.txt' is not a format for an image model; use .png, .gif or .json"),
        ("noext", "the extension names the format"),
    ],
)
def test_image_output_formats_are_refused_with_the_ones_taken(
    capsys, image_model, tmp_path, name, said
):
    code, out, err = gen(capsys, image_model, "--output", str(tmp_path / name))
    assert said in one_line(code, err) and out == ""
    assert not (tmp_path / name).exists()


def test_text_output_refuses_image_formats(capsys, text_model, tmp_path):
    code, _, err = gen(capsys, text_model, "--output", str(tmp_path / "t.png"))
    assert "use .txt, .md, .json or .jsonl" in one_line(code, err)


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("/proc/x.json", "cannot write in /proc"),
        ("{tmp}", "is a folder; give a file name"),
        ("{tmp}/missing/x.json", "does not exist"),
    ],
)
def test_unwritable_places_are_refused_before_the_model_loads(capsys, tmp_path, where, said):
    # the model does not even exist: the output is checked first
    for flag in ("--output", "--gif"):
        target = where.format(tmp=tmp_path)
        if flag == "--gif":
            target = target.replace(".json", ".gif")
        code = main(["generate", "--model", str(tmp_path / "no-model"), flag, target])
        line = one_line(code, capsys.readouterr().err)
        assert said in line and line.startswith(f"aigc-studio: error: {flag} {target}")


def test_an_existing_file_is_kept_unless_force(capsys, text_model, image_model, tmp_path):
    for model, name in ((text_model, "t.txt"), (image_model, "i.png"), (image_model, "g.gif")):
        target = tmp_path / name
        target.write_bytes(b"keep me")
        flag = "--gif" if name.endswith(".gif") else "--output"
        code, _, err = gen(capsys, model, "--max-new-tokens", "3", flag, str(target))
        assert "exists; add --force to overwrite it" in one_line(code, err)
        assert target.read_bytes() == b"keep me"
        code, _, _ = gen(capsys, model, "--max-new-tokens", "3", flag, str(target), "--force")
        assert code == 0 and target.read_bytes() != b"keep me"


def test_force_and_the_formats_are_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    helptext = " ".join(capsys.readouterr().out.split())
    for said in ("--force", "--prompt-file", "--scale", ".jsonl", ".gif", ".md"):
        assert said in helptext


def test_each_text_format_by_its_extension(capsys, text_model, tmp_path):
    args = ["--prompt", "fox", "--max-new-tokens", "8", "--seed", "2"]
    outputs = {}
    for ext in (".txt", ".md", ".json", ".jsonl"):
        code, out, _ = gen(capsys, text_model, *args, "--output", str(tmp_path / f"o{ext}"))
        assert code == 0
        outputs[ext] = (tmp_path / f"o{ext}").read_text(encoding="utf-8")
    assert outputs[".txt"] == out  # what was printed
    run = read_run(tmp_path / "o.json")
    assert out == run.prompt + run.text + "\n" and run.seed == 2
    assert outputs[".md"].startswith("# Tiny") and "| stop reason | length |" in outputs[".md"]
    events = [json.loads(line) for line in outputs[".jsonl"].splitlines()]
    assert [e["event"] for e in events] == ["start"] + ["token"] * 8 + ["done"]
    # several samples: .txt holds them all; a .json or .md run holds one and says so first
    code, _, _ = gen(
        capsys, text_model, *args, "--num-samples", "2", "--output", str(tmp_path / "m.txt")
    )
    assert code == 0 and (tmp_path / "m.txt").read_text(encoding="utf-8").count("fox") == 2
    code, _, err = gen(
        capsys, text_model, *args, "--num-samples", "2", "--output", str(tmp_path / "m.md")
    )
    assert "holds one sample" in one_line(code, err)


def test_output_gif_is_an_animation_and_png_keeps_its_settings(capsys, image_model, tmp_path):
    for name in ("a.gif", "a.png"):
        code, _, _ = gen(capsys, image_model, "--seed", "3", "--output", str(tmp_path / name))
        assert code == 0
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames >= 7
    with Image.open(tmp_path / "a.png") as png:
        assert png.format == "PNG"


def test_pictures_are_saved_large_and_open_to_the_model_pixels(capsys, image_model, tmp_path):
    from studio.engine.formats.model_finder import load_model
    from studio.engine.image.generation import generate_image
    from studio.io.image_export import restore_from_png
    from studio.io.init_image import read_init_image

    out, plain = tmp_path / "big.png", tmp_path / "plain.png"
    assert gen(capsys, image_model, "--seed", "5", "--output", str(out))[0] == 0
    assert gen(capsys, image_model, "--seed", "5", "--output", str(plain), "--scale", "1")[0] == 0
    with Image.open(out) as im:
        assert im.size == (6 * 37, 7 * 37)  # 7x6 pixels, enlarged to 256 or more: x37
    meta = read_png_meta(out)
    assert meta["scale"] == "37" and meta["seed"] == "5" and "settings" in meta
    assert "scale" not in read_png_meta(plain) and Image.open(plain).size == (6, 7)
    pixels = read_image(out)[0]
    np.testing.assert_array_equal(pixels, read_image(plain)[0])
    # File > Open restores the settings, and they redraw the very picture
    name, settings = restore_from_png(str(out))
    (done,) = [
        e for e in generate_image(load_model(str(image_model)), settings) if e.event == "done"
    ]
    np.testing.assert_array_equal(done.image, pixels[..., 0])
    # the window's Load Image and the command's --init take the enlarged picture as 7x6
    init, mask = read_init_image(out, 7, 6, grey=True, keep_rows=3)
    np.testing.assert_array_equal(init, done.image)
    code, _, _ = gen(
        capsys,
        image_model,
        "--init",
        str(out),
        "--keep-rows",
        "3",
        "--seed",
        "1",
        "--output",
        str(tmp_path / "done.png"),
    )
    assert code == 0
    np.testing.assert_array_equal(read_image(tmp_path / "done.png")[0][:3], pixels[:3])


def test_scale_is_refused_below_one_and_for_text(capsys, image_model, text_model, tmp_path):
    code, _, err = gen(capsys, image_model, "--scale", "0")
    assert "--scale must be at least 1" in one_line(code, err)
    code, _, err = gen(capsys, text_model, "--scale", "2")
    assert "are for image models" in one_line(code, err)


def test_prompt_file_and_standard_input_carry_a_long_prompt(capsys, text_model, tmp_path):
    long_prompt = ("the quick brown fox jumps over the lazy dog.\n" * 4700)[:200_000]
    path = tmp_path / "prompt.txt"
    path.write_text(long_prompt, encoding="utf-8")
    args = ["--max-new-tokens", "5", "--seed", "1", "--format", "jsonl"]
    code, out, _ = gen(capsys, text_model, "--prompt-file", str(path), *args)
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["prompt_tokens"] == 200_000
    assert "the first 199968 were cut" in events[1]["message"]  # the 32-token window is kept
    # the same prompt on standard input, through the real command
    r = subprocess.run(
        [sys.executable, "-m", "studio", "generate", "--model", str(text_model), "--prompt", "-"]
        + args,
        input=long_prompt.encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    piped = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert piped[0]["prompt_tokens"] == 200_000 and piped[-1]["text"] == events[-1]["text"]


def test_prompt_problems_are_one_line(capsys, text_model, tmp_path):
    (tmp_path / "latin1.txt").write_bytes("café\nsoupçon".encode("latin-1"))
    for argv, said in [
        (["--prompt-file", str(tmp_path / "nope.txt")], "nope.txt: no such file"),
        (["--prompt-file", str(tmp_path / "latin1.txt")], "not UTF-8 text (byte 0xe9 on line 1)"),
        (["--prompt-file", str(tmp_path)], "is a folder"),
        (["--prompt", "x", "--prompt-file", str(tmp_path / "latin1.txt")], "not both"),
    ]:
        code, out, err = gen(capsys, text_model, *argv)
        assert said in one_line(code, err) and out == ""
    with pytest.raises(PromptError, match="standard input"):
        read_prompt("-", None, io.BytesIO(b"\xff\xfe"))
    assert read_prompt("-", None, io.BytesIO("中文\n".encode())) == "中文\n"


def test_a_missing_model_is_one_line_naming_the_flag(capsys):
    for command in ("generate", "eval"):
        line = one_line(main([command]), capsys.readouterr().err)
        assert "--model" in line and "aigc-studio models" in line


def test_usage_mistakes_are_one_line(capsys, text_model):
    with pytest.raises(SystemExit) as e:
        main(["generate", "--model", str(text_model), "--format", "xml"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "--format" in err and "aigc-studio generate --help" in err
    # a setting's value is read by the schema: one line naming the flag as well
    assert main(["generate", "--model", str(text_model), "--top-k", "many"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--top-k" in err


def test_summary_reads_well_and_greedy_runs_print_no_seed(capsys, text_model):
    code, out, err = gen(
        capsys, text_model, "--prompt", "he", "--max-new-tokens", "6", "--temperature", "0"
    )
    assert code == 0 and "seed" not in err
    assert err.strip().endswith("reached the limit of 6 tokens]")
    stop = out[len("he") + 1]  # the second generated character: a stop string it will hit
    code, out, err = gen(
        capsys,
        text_model,
        "--prompt",
        "he",
        "--max-new-tokens",
        "6",
        "--temperature",
        "0",
        "--stop",
        stop,
    )
    assert "stopped at a stop string]" in err and "stop: stop" not in err
    code, _, err = gen(capsys, text_model, "--max-new-tokens", "3", "--seed", "9")
    assert err.startswith("seed 9\n")


def test_unknown_characters_are_named_in_prompt_order(capsys, text_model):
    code, _, err = gen(capsys, text_model, "--prompt", "xZé€Wé€", "--max-new-tokens", "1")
    assert code == 0 and "6 character(s)" in err
    assert "'Zé€W'" in err  # each once, as they come (sorted would be 'WZé€')
