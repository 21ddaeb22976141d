"""What a watched run writes besides the model: the loss log (kept whole when killed, continued
without duplicates when resumed), Stop between steps with a resumable checkpoint, samples,
numbered snapshots spread over the run, the loss curve's picture, and bad data refused in one
line before any step."""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys

import numpy as np
import pytest
import torch

from studio.core.errors import CorpusError
from studio.core.loss_log import LossLog, read_loss_log
from studio.core.train_files import checkpoint_path, list_snapshots, loss_log_path
from studio.engine.train.text_task import TrainConfig, train_text
from studio.engine.train.trainer import Watch

TEXT = "".join(f"line {i % 17} of a small corpus, said again and again.\n" for i in range(200))


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


def _cfg(corpus, tmp_path, **kw) -> TrainConfig:
    fields = dict(
        corpus=str(corpus),
        out=str(tmp_path / "m.safetensors"),
        preset="tiny",
        max_steps=1000,
        eval_interval=4,
        checkpoint_interval=4,
        eval_batches=2,
        warmup_steps=2,
        threads=1,
    )
    return TrainConfig(**(fields | kw))


def test_the_loss_log_keeps_complete_lines_and_resumes_without_duplicates(tmp_path):
    path = tmp_path / "m.loss.jsonl"
    log = LossLog(path)
    for step in range(1, 11):
        log.write("step", step, time=step / 10, loss=5.0 - step / 10)
    log.write("eval", 10, val_loss=float("nan"))  # JSON has no NaN: written as null
    log.close()
    with path.open("a", encoding="utf-8") as f:
        f.write('{"kind": "step", "step": 11, "lo')  # a process killed mid-line
    records = read_loss_log(path)
    assert [r["step"] for r in records] == list(range(1, 11)) + [10]
    assert records[-1]["val_loss"] is None
    LossLog(path, resume_step=6).close()  # a run resumed from step 6's checkpoint
    assert [r["step"] for r in read_loss_log(path)] == [1, 2, 3, 4, 5, 6]
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_stop_saves_a_checkpoint_and_resume_continues_the_log(corpus, tmp_path):
    watch = Watch(sample_every=5)
    events = []
    for e in train_text(_cfg(corpus, tmp_path), watch):
        events.append(e)
        if e.kind == "step" and e.step == 7:
            watch.stop.set()  # as the training process does when Stop arrives
    assert events[-1].kind == "stopped" and events[-1].step == 7
    assert events[0].unit == "nats/token"
    samples = [e for e in events if e.kind == "sample"]
    assert [e.step for e in samples] == [5] and isinstance(samples[0].sample, str)
    assert len(samples[0].sample) == 16 + 160
    out = tmp_path / "m.safetensors"
    assert not out.exists()  # stopped: a checkpoint, not yet a model
    assert torch.load(checkpoint_path(out), weights_only=True)["step"] == 7
    steps = [e.lr for e in events if e.kind == "step"]
    assert all(lr is not None and lr > 0 for lr in steps)

    resumed = list(train_text(_cfg(corpus, tmp_path, resume=True, max_steps=12)))
    assert resumed[0].step == 7 and resumed[-1].kind == "done" and out.exists()
    records = read_loss_log(loss_log_path(out))
    assert [r["step"] for r in records if r["kind"] == "step"] == list(range(1, 13))
    assert [r["step"] for r in records if r["kind"] == "eval"] == [4, 8, 12]
    assert [r["step"] for r in records if r["kind"] == "start"] == [0, 7]


def test_snapshots_stay_few_and_spread_and_open_as_models(corpus, tmp_path):
    from studio.engine.formats.studio_file import read_card
    from studio.engine.train.snapshots import compare

    watch = Watch(snapshot_every=2, keep_snapshots=4)
    list(train_text(_cfg(corpus, tmp_path, max_steps=20), watch))
    snaps = list_snapshots(tmp_path / "m.safetensors")
    assert len(snaps) <= 4 and snaps[0][0] == 2 and snaps[-1][0] == 20
    card = read_card(snaps[0][1])
    assert card["snapshot"]["step"] == 2 and card["training"]["steps"] == 2
    results = compare([str(p) for _, p in snaps], "line 1", 5, k=3)
    assert [r.step for r in results] == [s for s, _ in snaps]
    assert all(len(r.top) == 3 and r.actual == "1" for r in results)
    assert all(abs(sum(p for _, p in r.top)) <= 1.0 for r in results)
    with pytest.raises(CorpusError, match="outside the prompt"):
        compare([str(snaps[0][1])], "line", 9)


def test_fine_tuning_keeps_the_models_vocabulary_and_sizes(corpus, tmp_path):
    from studio.engine.formats.studio_file import read_card

    list(train_text(_cfg(corpus, tmp_path, max_steps=4)))
    base = tmp_path / "m.safetensors"
    other = tmp_path / "other.txt"
    other.write_text(TEXT.replace("line 1 ", "LINE 1 "), encoding="utf-8")  # letters base lacks
    out = tmp_path / "tuned.safetensors"
    events = list(train_text(_cfg(other, tmp_path, out=str(out), max_steps=4, init_from=str(base))))
    assert "outside the vocabulary read as spaces" in events[0].message
    card = read_card(out)
    assert card["tokenizer"] == read_card(base)["tokenizer"]
    assert card["training"]["init_from"]["file"] == "m.safetensors"
    assert card["training"]["hyper"]["lr"] == 3e-4
    chinese = tmp_path / "zh.txt"
    chinese.write_text("床前明月光，疑是地上霜。\n" * 200, encoding="utf-8")
    with pytest.raises(CorpusError, match="not in m.safetensors's vocabulary"):
        list(train_text(_cfg(chinese, tmp_path, out=str(out), init_from=str(base))))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], capture_output=True, text=True, timeout=300
    )


def test_the_command_line_plots_the_curve_it_logged(corpus, tmp_path):
    out, png = tmp_path / "m.safetensors", tmp_path / "loss.png"
    r = _cli(
        "train", "text", "--corpus", str(corpus), "--out", str(out), "--preset", "tiny",
        "--max-steps", "8", "--eval-interval", "4", "--threads", "1", "--plot", str(png),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    log = loss_log_path(out)
    again = tmp_path / "again.png"
    assert _cli("plot-loss", str(log), "--out", str(again)).returncode == 0
    from PIL import Image

    assert Image.open(again).size[0] == 800
    refused = _cli("plot-loss", str(log), "--out", str(again))
    assert (
        refused.returncode == 2 and refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    )
    missing = _cli("plot-loss", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "x.png"))
    assert missing.returncode == 2 and "no such loss log" in missing.stderr


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"\x00\x01\x02 text with NUL bytes " * 20, "binary")],
)
def test_bad_text_is_refused_in_one_line_before_training(tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    r = _cli("train", "text", "--corpus", str(bad), "--out", str(tmp_path / "x.safetensors"))
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1
    assert not loss_log_path(tmp_path / "x.safetensors").exists()


def test_images_of_the_wrong_size_are_refused_and_emoji_may_be_a_folder(tmp_path):
    from PIL import Image

    from studio.engine.image.datasets import read_emoji_tar, read_mnist

    n = 12
    head = struct.pack(">BBBBIII", 0, 0, 8, 3, n, 32, 32)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(head + bytes(n * 1024)))
    labels = struct.pack(">BBBBI", 0, 0, 8, 1, n) + bytes(n)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    with pytest.raises(CorpusError, match="32x32 pixels; digits are 28x28"):
        read_mnist(tmp_path)

    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, colour in enumerate([(255, 0, 0, 255), (0, 0, 255, 255)]):
        Image.new("RGBA", (32, 32), colour).save(folder / f"emoji_u{i}.png")
    images, names = read_emoji_tar(folder, size=16)
    assert images.shape == (2, 16, 16, 3) and names == ["emoji_u0", "emoji_u1"]
    assert np.all(images[0] == [255, 0, 0])
    (folder / "broken.png").write_bytes(b"not a png")
    with pytest.raises(CorpusError, match="broken.png: not a readable PNG"):
        read_emoji_tar(folder, size=16)
