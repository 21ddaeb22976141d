"""`train text`: a few steps on a tiny corpus give a loadable, better model; resume; bad input."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from studio.core.errors import CorpusError
from studio.engine.formats.model_finder import load_model
from studio.engine.formats.studio_file import read_card
from studio.engine.text.evaluation import evaluate_text_file
from studio.engine.train.text_task import TrainConfig, train_text

CORPUS = ("To be, or not to be, that is the question:\n" * 40) + ("春眠不觉晓，处处闻啼鸟。\n" * 20)


def _cfg(tmp_path: Path, **kw) -> TrainConfig:
    corpus = tmp_path / "corpus.txt"
    if not corpus.exists():
        corpus.write_text(CORPUS, encoding="utf-8")
    base = dict(
        corpus=str(corpus),
        out=str(tmp_path / "m.safetensors"),
        preset="tiny",
        max_steps=40,
        eval_interval=20,
        checkpoint_interval=20,
        warmup_steps=5,
        source="test corpus",
        license="CC0",
        threads=1,
    )
    base.update(kw)
    return TrainConfig(**base)


def test_training_lowers_loss_and_writes_a_complete_card(tmp_path):
    events = list(train_text(_cfg(tmp_path)))
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and "eval" in kinds and "checkpoint" in kinds
    steps = [e for e in events if e.kind == "step"]
    assert steps[-1].loss < steps[0].loss - 0.5
    out = tmp_path / "m.safetensors"
    card = read_card(out)
    for key in (
        "name",
        "title",
        "kind",
        "architecture",
        "tokenizer",
        "data",
        "metrics",
        "training",
        "version",
    ):
        assert key in card, key
    assert card["data"]["source"] == "test corpus" and card["data"]["license"] == "CC0"
    assert card["training"]["steps"] == 40 and card["training"]["seed"] == 1337
    assert "minutes" in card["training"] and "command" in card["training"]
    assert card["training"]["device"] == "cpu"  # auto, on a machine without a GPU
    # the card's loss is what `eval` measures on the held-out tail
    loaded = load_model(str(out), device="cpu")
    val = tmp_path / "val.txt"
    n = len(CORPUS)
    val.write_text(CORPUS[n - int(n * 0.1) :], encoding="utf-8")
    r = evaluate_text_file(loaded, val)
    assert abs(r["nats_per_token"] - card["metrics"]["val_loss_nats_per_token"]) < 0.01
    assert r["nats_per_token"] < torch.log(torch.tensor(float(loaded.tokenizer.vocab_size))).item()


def test_resume_continues_the_same_run(tmp_path):
    list(train_text(_cfg(tmp_path, max_steps=20)))
    resumed = list(train_text(_cfg(tmp_path, max_steps=40, resume=True)))
    assert resumed[0].kind == "start" and resumed[0].step == 20
    first_step = next(e for e in resumed if e.kind == "step")
    assert first_step.step == 21
    assert read_card(tmp_path / "m.safetensors")["training"]["steps"] == 40


def test_float16_file_reproduces_its_card(tmp_path):
    list(train_text(_cfg(tmp_path, half=True, max_steps=10)))
    from safetensors.torch import load_file

    dtypes = {t.dtype for t in load_file(str(tmp_path / "m.safetensors")).values()}
    assert dtypes == {torch.float16}
    card = read_card(tmp_path / "m.safetensors")
    assert "val_loss_nats_per_token_float32" in card["metrics"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\xff\xfe\x00bad bytes \x80\x81", "not UTF-8"),
        (b"too short", "fewer than"),
    ],
)
def test_bad_corpus_gives_a_clear_error(tmp_path, content, message):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        list(train_text(_cfg(tmp_path, corpus=str(corpus))))
    assert not (tmp_path / "m.safetensors").exists()


def test_cli_bad_corpus_exits_2_without_traceback(tmp_path):
    corpus = tmp_path / "empty.txt"
    corpus.write_text("")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio",
            "train",
            "text",
            "--corpus",
            str(corpus),
            "--out",
            str(tmp_path / "x.safetensors"),
            "--preset",
            "tiny",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "empty" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_corpus_file(tmp_path):
    with pytest.raises(CorpusError, match="No such file"):
        list(train_text(_cfg(tmp_path, corpus=str(tmp_path / "nope.txt"))))
