"""A model larger than the free memory is refused before loading, with both sizes named."""

import pytest
from helpers import save_tiny, tiny_char_model

from studio.core.errors import ModelFileError
from studio.engine.formats.memory_check import (
    HEADROOM,
    available_memory,
    check_fits,
    weights_in_memory,
)


def test_weights_in_memory_counts_float32_from_the_header(tmp_path):
    loaded = tiny_char_model()
    path = save_tiny(tmp_path / "tiny.safetensors", loaded)
    params = sum(p.numel() for p in loaded.model.state_dict().values())
    # tied embeddings are stored once: at most the module's own count, never less than the file's
    assert weights_in_memory(path) <= params * 4
    assert weights_in_memory(path) >= path.stat().st_size - 64_000  # header and metadata aside


def test_a_model_too_large_is_refused_with_both_sizes(tmp_path):
    path = save_tiny(tmp_path / "tiny.safetensors", tiny_char_model())
    need = weights_in_memory(path)
    check_fits(path, available=int(need * HEADROOM) + 1)  # fits: nothing said
    with pytest.raises(ModelFileError) as e:
        check_fits(path, available=need)
    message = str(e.value)
    assert "tiny.safetensors" in message and "only" in message and "GB" in message
    assert "\n" not in message


def test_available_memory_reads_meminfo(tmp_path):
    f = tmp_path / "meminfo"
    f.write_text("MemTotal:       24000000 kB\nMemAvailable:   1000 kB\n")
    assert available_memory(str(f)) == 1000 * 1024
    assert available_memory(str(tmp_path / "missing")) is None


def test_the_command_line_refuses_it_in_one_line(tmp_path, monkeypatch, capsys):
    from studio.cli.main import main
    from studio.engine.formats import memory_check

    path = save_tiny(tmp_path / "tiny.safetensors", tiny_char_model())
    monkeypatch.setattr(memory_check, "available_memory", lambda: 1000)
    assert main(["generate", "--model", str(path), "--max-new-tokens", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "of memory" in err[0] and "is free" in err[0]
