"""Downloading models (studio.io.downloads, `aigc-studio download`) from a tiny Hub on 127.0.0.1
(tests/hub_server.py) serving tiny Llama folders saved by transformers: only the files the studio
opens, progress, cancel and byte-exact resume, one line for each failure, and the model found by
the model list afterwards."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hub_server import Hub
from llama_helpers import make_folder

from studio.cli.main import main
from studio.io import downloads
from studio.io.download_files import DownloadError, choose_files

REPO = "example/tiny-llama"
WANTED = {
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "README.md",
    "LICENSE",
    "model.safetensors",
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("repos")
    single = make_folder(root / "single", "llama")
    (single / "LICENSE").write_text("Apache License 2.0 (tiny)\n", encoding="utf-8")
    # files the studio does not open: a pickle beside the safetensors, the git attributes
    (single / "pytorch_model.bin").write_bytes(b"\x80\x02pickle")
    (single / ".gitattributes").write_text("*.safetensors filter=lfs\n", encoding="utf-8")
    sharded = make_folder(root / "sharded", "qwen2", sharded=True)
    (sharded / "consolidated.safetensors").write_bytes(b"a second copy of the weights")
    return {"single": single, "sharded": sharded}


@pytest.fixture
def hub(tmp_path, monkeypatch, folders):
    server = Hub()
    server.add_folder(REPO, folders["single"])
    server.repos[REPO].files["onnx/model.onnx"] = b"onnx"
    server.add_folder("example/tiny-qwen-sharded", folders["sharded"])
    server.repos["example/pickles"] = type(server.repos[REPO])(
        {"config.json": b"{}", "pytorch_model.bin": b"x"}
    )
    server.repos["example/gguf"] = type(server.repos[REPO])(
        {"README.md": b"# q", "tiny-q8_0.gguf": b"GGUF" + bytes(60), "tiny-f16.gguf": b"GGUF"}
    )
    server.add_folder("example/gated", folders["single"], gated=True)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIGC_STUDIO_BUNDLED_MODELS", str(tmp_path / "no-bundled"))
    yield server
    server.close()


def _models_dir() -> Path:
    from studio.core.paths import user_models_dir

    return user_models_dir()


def test_download_fetches_only_what_the_studio_opens(hub, folders):
    events = []
    path = downloads.download_model(REPO, on_progress=events.append)
    assert path == _models_dir() / "example--tiny-llama"
    assert {p.name for p in path.iterdir()} == WANTED | {downloads.RECORD}
    for name in WANTED:
        assert (path / name).read_bytes() == (folders["single"] / name).read_bytes(), name
    assert not (_models_dir() / downloads.PARTIAL_DIR).exists()
    assert json.loads((path / downloads.RECORD).read_text())["commit"] == hub.repos[REPO].sha
    # progress: to the last byte, never backwards, with a speed and time left once measured
    total = sum((folders["single"] / n).stat().st_size for n in WANTED)
    assert events and events[-1].done_bytes == events[-1].total_bytes == total
    assert all(a.done_bytes <= b.done_bytes for a, b in zip(events, events[1:], strict=False))
    assert events[-1].bytes_per_s > 0 and events[-1].seconds_left == 0
    # the model list finds it, as a user model with its license
    from studio.engine.formats.model_finder import list_models

    models, problems = list_models()
    found = [m for m in models if Path(m.path) == path]
    assert problems == [] and len(found) == 1 and found[0].source == "user"
    data = found[0].card["data"]
    assert data["license"] == "apache-2.0"
    assert data["source"] == f"{hub.url.split('://')[1]}/{REPO} ({hub.repos[REPO].sha[:12]})"


def test_sharded_repo_fetches_the_index_and_its_shards_only(hub, folders):
    path = downloads.download_model("example/tiny-qwen-sharded")
    shards = sorted(p.name for p in folders["sharded"].glob("model-*.safetensors"))
    assert len(shards) > 1
    weights = sorted(p.name for p in path.glob("*.safetensors"))
    assert weights == shards  # not consolidated.safetensors
    from studio.engine.formats.model_finder import describe

    assert describe(path, "user").card["architecture"]["model_class"] == "Qwen2ForCausalLM"


def test_cancel_then_resume_completes_with_the_right_bytes(hub, folders, monkeypatch):
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "DOWNLOAD_CHUNK_SIZE", 4096)
    monkeypatch.setattr(downloads, "PROGRESS_EVERY_S", 0.0)
    weights = (folders["single"] / "model.safetensors").read_bytes()
    assert len(weights) > 5 * 4096
    cancel = threading.Event()
    seen = []

    def on_progress(p):
        seen.append(p)
        if p.file == "model.safetensors" and len(seen) > 3 and not cancel.is_set():
            cancel.set()  # a few chunks into the weights

    with pytest.raises(downloads.DownloadCancelled) as info:
        downloads.download_model(REPO, on_progress=on_progress, cancel=cancel)
    partial = info.value.partial
    part = partial / "model.safetensors.incomplete"
    kept = part.stat().st_size
    assert 0 < kept < len(weights) and kept % 4096 == 0
    assert part.read_bytes() == weights[:kept]
    # a half-written model is never listed
    assert not (_models_dir() / "example--tiny-llama").exists()
    from studio.engine.formats.model_finder import list_models

    assert [m for m in list_models()[0] if m.source == "user"] == []
    # the same request resumes from the byte it stopped at, and fetches no finished file again
    before = len(hub.gets)
    resumed = []
    path = downloads.download_model(REPO, on_progress=resumed.append)
    again = hub.gets[before:]
    assert again == [("model.safetensors", f"bytes={kept}-")]
    assert (path / "model.safetensors").read_bytes() == weights
    assert resumed[0].done_bytes >= kept  # the bytes on disk count as done from the start


def test_gguf_file_goes_to_the_model_folder(hub):
    path = downloads.download_model("example/gguf", filename="tiny-q8_0.gguf")
    assert path == _models_dir() / "tiny-q8_0.gguf"
    assert path.read_bytes() == b"GGUF" + bytes(60)
    assert sorted(p.name for p in _models_dir().iterdir()) == ["tiny-q8_0.gguf"]


def test_choose_files_rules():
    names = ["config.json", "model.safetensors", "pytorch_model.bin", "original/x.pth"]
    assert choose_files("a/b", names) == ["config.json", "model.safetensors"]
    with pytest.raises(DownloadError, match="holds GGUF files: choose one with --file"):
        choose_files("a/b", ["README.md", "m-q4.gguf"])
    with pytest.raises(DownloadError, match=r"--file takes a \.gguf"):
        choose_files("a/b", names, "model.safetensors")


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["example/nothing-here"], "no model example/nothing-here on the Hub"),
        ([REPO, "--revision", "v9"], "has no revision 'v9'"),
        (["example/gated"], "is gated: accept its terms"),
        (["example/pickles"], "only pickled PyTorch weights"),
        (["example/gguf"], "holds GGUF files: choose one with --file (tiny-f16.gguf, tiny-q8_0"),
        (["example/gguf", "--file", "nope.gguf"], "has no file nope.gguf"),
        (["not a repo"], "is not a repository id"),
    ],
)
def test_failures_are_one_line(hub, capsys, argv, expected):
    assert main(["download", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert "Traceback" not in err


def test_no_server_is_one_line(hub, capsys, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    assert main(["download", REPO]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach http://127.0.0.1:9" in err, err


def test_offline_mode_is_one_line(hub, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["download", REPO]) == 2
    assert capsys.readouterr().err == (
        "aigc-studio: error: HF_HUB_OFFLINE is set: unset it to download models\n"
    )


def test_cli_downloads_and_says_where(hub, capsys):
    assert main(["download", REPO]) == 0
    out = capsys.readouterr()
    path = _models_dir() / "example--tiny-llama"
    assert f"downloaded {REPO} to {path}" in out.out
    assert "100%" in out.err  # the progress line (a line per tenth when not a terminal)
    assert main(["download", REPO]) == 2  # already there: said, not fetched again
    assert "already in your model folder" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_model_folder_is_one_line(hub, capsys):
    models = _models_dir()
    models.mkdir(parents=True, exist_ok=True)
    models.chmod(0o500)
    try:
        assert main(["download", REPO]) == 2
    finally:
        models.chmod(0o700)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "permission denied" in err, err


def test_disk_full_is_one_line(hub, capsys, monkeypatch):
    import shutil

    monkeypatch.setattr(
        downloads.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9, 1000)
    )
    assert main(["download", REPO]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not enough disk space" in err and "0.00 GB free" in err, err


def test_system_errors_are_one_line():
    import errno

    full = downloads._one_line(OSError(errno.ENOSPC, "No space left on device"), REPO, "main")
    assert str(full) == "the disk is full: free some space, then download again to resume"
    denied = downloads._one_line(PermissionError(13, "Permission denied", "/m"), REPO, "main")
    assert str(denied) == "cannot write to /m: permission denied"
