"""Training the image models on tiny synthetic stand-ins for MNIST and the emoji tarball: progress
events, resumable checkpoints, and a card that `eval` reproduces."""

import io
import json
import tarfile

import numpy as np
import pytest
import torch
from image_helpers import write_tiny_mnist
from PIL import Image

from studio.cli.main import main
from studio.engine.formats.model_finder import load_model
from studio.engine.formats.studio_file import read_card
from studio.engine.train.image_task import ImageTrainConfig, train_image

TINY_DIGITS = dict(channels=4, n_layers=2, kernel=3, n_mix=2, head_channels=4, batch_size=2)
TINY_EMOJI = dict(n_layer=1, n_head=1, n_embd=8, batch_size=2, size=8, palette=6)


def _train_digits(data, out, *more: str) -> int:
    """`aigc-studio train image --model-kind digits --data DATA --out OUT MORE...`"""
    return main(["train", "image", "--model-kind", "digits", "--data", data, "--out", out, *more])


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    return write_tiny_mnist(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="module")
def emoji_tar(tmp_path_factory):
    path = tmp_path_factory.mktemp("emoji") / "emoji.tar.gz"
    rng = np.random.default_rng(1)
    with tarfile.open(path, "w:gz") as tar:
        for i in range(30):
            rgba = np.zeros((32, 32, 4), np.uint8)
            rgba[8:24, 8:24, :3] = rng.integers(0, 256, 3)
            rgba[8:24, 8:24, 3] = 255
            buf = io.BytesIO()
            Image.fromarray(rgba).save(buf, "PNG")
            info = tarfile.TarInfo(f"png/32/emoji_u{0x1F600 + i:x}.png")
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
        info = tarfile.TarInfo("png/32/emoji_u1f44d_1f3fb.png")  # a skin tone: left out
        info.size = len(buf.getvalue())
        tar.addfile(info, io.BytesIO(buf.getvalue()))
    return path


def test_digits_train_resume_card_and_eval(mnist, tmp_path, capsys):
    out = tmp_path / "d.safetensors"
    cfg = ImageTrainConfig(
        kind="digits",
        data=str(mnist),
        out=str(out),
        max_steps=3,
        eval_interval=2,
        checkpoint_interval=2,
        overrides=TINY_DIGITS,
        command="first",
    )
    kinds = [e.kind for e in train_image(cfg)]
    assert kinds[0] == "start" and kinds[-1] == "done" and "eval" in kinds
    assert (tmp_path / "d.safetensors.ckpt").exists()
    cfg.max_steps, cfg.resume, cfg.command = 5, True, "second"
    events = list(train_image(cfg))
    assert events[0].step == 3 and events[-1].step == 5
    card = read_card(out)
    assert card["kind"] == "image-pixelcnn" and card["training"]["steps"] == 5
    assert card["training"]["command"] == "first" and card["training"]["resumed_with"] == ["second"]
    assert card["training"]["device"] == "cpu"  # auto, on a machine without a GPU
    assert "CC BY-SA 3.0" in card["data"]["license"] and "LeCun" in card["data"]["source"]
    m = card["metrics"]
    assert m["heldout_images"] == 20 and 0 < m["heldout_bits_per_dim"] < 9
    assert main(["eval", "--model", str(out), "--data", str(mnist), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["bits_per_dim"] == pytest.approx(m["heldout_bits_per_dim"], abs=1e-3)
    loaded = load_model(str(out), device="cpu")
    assert loaded.extras["labels"] == [str(i) for i in range(10)]


def test_emoji_train_from_the_cli_writes_a_credited_card(emoji_tar, tmp_path, capsys):
    out = tmp_path / "e.safetensors"
    args = [
        "train",
        "image",
        "--model-kind",
        "emoji",
        "--data",
        str(emoji_tar),
        "--out",
        str(out),
        "--max-steps",
        "2",
        "--eval-interval",
        "1",
    ]
    for kv in TINY_EMOJI.items():
        args += ["--set", f"{kv[0]}={kv[1]}"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "held-out" in err and "bits/dim" in err
    card = read_card(out)
    assert card["kind"] == "image-gpt" and card["data"]["license"] == "Apache-2.0"
    assert "Noto Emoji" in card["data"]["credit"]
    assert card["data"]["images"] == 30
    assert len(card["image"]["palette"]) == 6 and card["image"]["palette"][0] == [255, 255, 255]
    assert card["training"]["command"].startswith("aigc-studio ")  # the process's own argv
    loaded = load_model(str(out), device="cpu")
    assert loaded.extras["palette"].shape == (6, 3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_training_on_an_absent_gpu_is_refused_with_a_message(mnist, tmp_path, capsys):
    code = _train_digits(str(mnist), str(tmp_path / "x.safetensors"), "--device", "cuda")
    err = capsys.readouterr().err
    assert code == 2 and "no CUDA device" in err and err.count("\n") == 1
    assert not (tmp_path / "x.safetensors").exists()


def test_training_refuses_unknown_settings_and_missing_data(tmp_path, capsys):
    code = _train_digits(str(tmp_path), str(tmp_path / "x.safetensors"), "--set", "wings=2")
    assert code == 2 and "wings" in capsys.readouterr().err
    code = _train_digits(str(tmp_path), str(tmp_path / "x.safetensors"))
    err = capsys.readouterr().err
    assert code == 2 and "t10k-images" in err and err.count("\n") == 1


def test_init_from_starts_where_the_given_model_ends_and_refuses_other_sizes(
    mnist, tmp_path, capsys
):
    first = tmp_path / "plain.safetensors"
    base = dict(TINY_DIGITS, position_bias=0)
    cfg = ImageTrainConfig(
        kind="digits", data=str(mnist), out=str(first), max_steps=4, overrides=base
    )
    list(train_image(cfg))
    plain_bpd = read_card(first)["metrics"]["heldout_bits_per_dim"]
    # lr 0 keeps the weights, so the held-out score shows what the run started from: the same
    # function as the plain model, with its position biases still zero
    second = tmp_path / "placed.safetensors"
    cfg = ImageTrainConfig(
        kind="digits",
        data=str(mnist),
        out=str(second),
        max_steps=2,
        init_from=str(first),
        overrides=dict(TINY_DIGITS, position_bias=1, lr=0.0),
    )
    list(train_image(cfg))
    card = read_card(second)
    assert card["architecture"]["position_bias"] is True
    start = card["training"]["init_from"]
    assert start["file"] == "plain.safetensors" and start["training"]["steps"] == 4
    assert start["metrics"]["heldout_bits_per_dim"] == plain_bpd
    assert card["metrics"]["heldout_bits_per_dim"] == pytest.approx(plain_bpd, abs=1e-4)
    code = _train_digits(
        str(mnist),
        str(tmp_path / "wide.safetensors"),
        "--init-from",
        str(first),
        "--set",
        "channels=6",
    )
    err = capsys.readouterr().err
    assert code == 2 and "plain.safetensors" in err and "same sizes" in err
    assert not (tmp_path / "wide.safetensors").exists()
    # a resumed run keeps where it started, from its checkpoint, without the file or the flag
    first.unlink()
    cfg.max_steps, cfg.resume, cfg.init_from = 3, True, None
    list(train_image(cfg))
    assert read_card(second)["training"]["init_from"] == start
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 5)
    code = _train_digits(
        str(mnist),
        str(tmp_path / "w.safetensors"),
        "--init-from",
        str(tmp_path / "junk.safetensors"),
    )
    err = capsys.readouterr().err
    assert code == 2 and "junk.safetensors" in err and err.count("\n") == 1
