"""Exports: the three formats, re-opening .json, and writes that are atomic or do nothing."""

import errno
import json
import os

import pytest

from studio.io.export import export_run, format_md, format_txt, read_run
from studio.io.run import RunFormatError, RunRecord


def make_run(text="lo world", **kw) -> RunRecord:
    trace = [
        {
            "sample": 0,
            "step": i,
            "id": i,
            "text": ch,
            "prob": 0.5,
            "model_prob": 0.4,
            "entropy": 1.0,
            "top": [{"id": i, "text": ch, "prob": 0.5, "model_prob": 0.4}],
            "event": "token",
        }
        for i, ch in enumerate(text)
    ]
    base = dict(
        model_name="tiny",
        model_title="Tiny",
        model_path="/m/tiny.safetensors",
        prompt="hel",
        text=text,
        settings={
            "sampling": {
                "temperature": 0.8,
                "top_k": 0,
                "top_p": 1.0,
                "min_p": 0.0,
                "repetition_penalty": 1.0,
            },
            "max_new_tokens": 8,
            "seed": 7,
            "stop": ["|x"],
        },
        seed=7,
        stop_reason="length",
        tokens=len(text),
        ttft_ms=3.0,
        tokens_per_s=100.0,
        trace=trace,
    )
    base.update(kw)
    return RunRecord(**base)


def test_txt_is_prompt_and_text(tmp_path):
    run = make_run()
    export_run(tmp_path / "a.txt", run)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "hello world\n" == format_txt(run)


def test_md_has_text_and_settings_table(tmp_path):
    run = make_run(text="lo ```code``` | pipe")
    export_run(tmp_path / "a.md", run)
    md = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert md == format_md(run)
    assert "````text\nhello ```code``` | pipe\n````" in md  # fence longer than any in the text
    assert "| temperature | 0.8 |" in md
    assert "| seed | 7 |" in md
    assert '| stop strings | "\\|x" |' in md


def test_json_round_trips(tmp_path):
    run = make_run()
    export_run(tmp_path / "a.json", run)
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["format"] == "aigc-studio.run" and data["seed"] == 7
    assert len(data["trace"]) == len(run.text)
    back = read_run(tmp_path / "a.json")
    run.created = back.created
    assert back == run


def test_reading_a_file_that_is_not_a_run_says_why(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    with pytest.raises(RunFormatError, match="x.json"):
        read_run(p)
    p.write_text("not json")
    with pytest.raises(RunFormatError, match="not a JSON file"):
        read_run(p)


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=".txt, .md or .json"):
        export_run(tmp_path / "a.doc", make_run())
    assert list(tmp_path.iterdir()) == []


def test_full_disk_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    target.write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # every atomic write goes through os.fsync
    with pytest.raises(OSError, match="No space"):
        export_run(target, make_run())
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert target.read_text() == "old"


def test_missing_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(OSError):
        export_run(tmp_path / "nope" / "a.json", make_run())
    assert list(tmp_path.iterdir()) == []
