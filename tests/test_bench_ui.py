"""`aigc-studio bench ui`'s two peers of the window: the engine alone and the engine process read
through its pipe, each in a child process, on the same model, settings and seed."""

from __future__ import annotations

import subprocess

import pytest
from helpers import save_tiny, tiny_char_model

from studio.benchmarks.ui import _in_child

SETTINGS = {
    "sampling": {"temperature": 0.8},
    "max_new_tokens": 24,
    "seed": 7,
    "ignore_eos": True,
    "top_n": 5,
    "context": "shift",
}


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    return save_tiny(tmp_path_factory.mktemp("m") / "tiny.safetensors", tiny_char_model())


@pytest.mark.parametrize("peer", ["_engine_alone", "_engine_in_process"])
def test_each_peer_runs_the_whole_generation(model_file, peer):
    tokens_per_s, tokens = _in_child(peer, str(model_file), SETTINGS, 1)
    assert tokens == SETTINGS["max_new_tokens"]
    assert tokens_per_s > 0


def test_a_failing_peer_is_an_error_not_a_number(tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a model")
    with pytest.raises(subprocess.CalledProcessError):
        _in_child("_engine_in_process", str(broken), SETTINGS, 1)
