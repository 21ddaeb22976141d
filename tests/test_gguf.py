"""GGUF files against transformers loading the same file (`gguf_file=`; both dequantise with the
gguf package): logits at every step of a greedy run and the greedy tokens, for `llama`, `qwen2`
and `qwen3` with every tensor type read; files converted from a Hugging Face folder as llama.cpp
converts them (permuted q/k, rope_freqs) against transformers on the folder; both tokenizer kinds;
the card, the model folder, the command line; and one-line refusals of bad files.

Every file is written locally by gguf's own writer (tests/gguf_helpers.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from gguf_helpers import (
    from_folder,
    reference,
    reference_tokenizer,
    write_gguf,
)
from llama_helpers import PROMPT, TEXT, make_folder
from llama_helpers import reference as folder_reference
from test_hf_llama import _our_greedy, _their_greedy

from studio.cli.main import main
from studio.core.errors import ModelFileError
from studio.engine.formats.model_finder import describe, list_models, load_model
from studio.engine.networks.llama import Llama
from studio.engine.text.generation import generate_text
from studio.engine.tokenizers import Utf8Stream
from studio.settings import GenerationSettings, SamplingSettings

# (architecture, tensor type): every architecture and every type the issue names at least once
FILES = {
    "llama-F32": ("llama", "F32"),
    "llama-Q8_0": ("llama", "Q8_0"),
    "llama-Q5_K": ("llama", "Q5_K"),
    "qwen2-F16": ("qwen2", "F16"),
    "qwen2-Q4_0": ("qwen2", "Q4_0"),
    "qwen2-Q4_K": ("qwen2", "Q4_K"),
    "qwen3-BF16": ("qwen3", "BF16"),
    "qwen3-Q6_K": ("qwen3", "Q6_K"),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """name -> a GGUF file of FILES, written on first use."""
    root = tmp_path_factory.mktemp("gguf")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            arch, qtype = FILES[name]
            made[name] = write_gguf(root / f"{name}.gguf", arch, qtype)
        return made[name]

    return get


@pytest.mark.parametrize("name", list(FILES))
def test_logits_and_greedy_tokens_equal_transformers_on_the_same_file(files, name):
    path = files(name)
    loaded = load_model(str(path), device="cpu")
    assert isinstance(loaded.model, Llama) and loaded.read_only
    assert loaded.extras["format"] == "gguf"
    ref = reference(path)
    ids = loaded.tokenizer.encode(PROMPT)
    ours, our_logits = _our_greedy(loaded.model, ids)
    theirs, their_logits = _their_greedy(ref, ids)
    assert ours == theirs
    worst = max(float((a - b).abs().max()) for a, b in zip(our_logits, their_logits, strict=True))
    assert worst < 1e-4, f"logits differ by {worst}"
    assert len(set(theirs)) > 8  # a run that goes somewhere
    # the weights are what the file holds: no tensor left at its empty-initialised value
    assert all(bool(torch.isfinite(p).all()) for p in loaded.model.parameters())
    settings = GenerationSettings(
        max_new_tokens=32, ignore_eos=True, sampling=SamplingSettings(temperature=0.0)
    )
    events = list(generate_text(loaded, PROMPT, settings))
    assert [e.id for e in events if type(e).__name__ == "TokenEvent"] == theirs[:32]


@pytest.mark.parametrize("arch", ["llama", "qwen2", "qwen3"])
def test_a_file_converted_from_a_folder_computes_what_the_folder_does(tmp_path, arch):
    """llama.cpp's converter permutes llama's q/k rows and stores Llama 3 rope scaling as
    `rope_freqs`; reading the file back gives transformers' logits on the original folder."""
    folder = make_folder(tmp_path / arch, arch, sentencepiece=arch == "llama")
    path = from_folder(folder, tmp_path / f"{arch}.gguf", "F32")
    loaded = load_model(str(path), device="cpu")
    if arch == "llama":  # the tiny folder's llama3 scaling, found from the divisors alone
        a = loaded.card["architecture"]
        assert (a["rope_type"], a["rope_factor"], a["rope_original_context"]) == ("llama3", 8.0, 16)
    ids = list(range(5, 45))  # past the 16-position original context
    with torch.no_grad():
        ours = loaded.model(torch.tensor([ids]))
        theirs = folder_reference(folder)(torch.tensor([ids])).logits
    assert float((ours - theirs).abs().max()) < 1e-4


@pytest.mark.parametrize("sentencepiece", [True, False], ids=["llama-vocab", "gpt2-vocab"])
def test_tokenizer_encodes_and_decodes_as_transformers(tmp_path, sentencepiece):
    path = write_gguf(tmp_path / "t.gguf", "llama", "F32", sentencepiece=sentencepiece, layers=1)
    tok = load_model(str(path), device="cpu").tokenizer
    ref = reference_tokenizer(path)
    for text in (TEXT, PROMPT, "  leading spaces", "x\n\n\ny", "", "🙂"):
        ids = tok.encode(text)
        assert ids == ref.encode(text), text
        assert tok.decode(ids) == ref.decode(ids)
    ids = tok.encode(TEXT)
    assert len(ids) > 20
    if sentencepiece:
        assert ids[0] == 1 and tok.token_text(1) == "<s>"  # the file's add_bos default
    # streamed token by token as whole characters, the text comes back
    stream = Utf8Stream(tok)
    pieces = [stream.put(i) for i in ids] + [stream.end()]
    assert "".join(pieces) == ref.decode(ids) and all("\ufffd" not in p for p in pieces)
    assert ref.decode(ids, skip_special_tokens=True) == TEXT
    # a chat model's special tokens are single tokens shown as their text
    special = "<|im_end|>" if not sentencepiece else "</s>"
    sid = ref.convert_tokens_to_ids(special)
    assert tok.encode(f"a{special}b").count(sid) == 1 and tok.token_text(sid) == special


def test_card_says_what_the_file_holds(files):
    path = files("qwen2-Q4_K")
    info = describe(path, "path")
    card = info.card
    arch = card["architecture"]
    assert info.kind == "text-gpt" and card["network"] == "llama"
    assert arch["model_class"] == "GGUF qwen2" and arch["context_length"] == 128
    assert arch["parameters"] == sum(
        p.numel() for p in load_model(str(path), device="cpu").model.parameters()
    )
    assert arch["quantization"].startswith("Q4_K ×") and "F32 ×" in arch["quantization"]
    assert "Q4_K" in arch["precision"] and arch["tie_embeddings"] and arch["qkv_bias"]
    assert card["data"]["license"] == "apache-2.0"
    assert card["data"]["source_url"] == "https://example.org/tiny"
    assert card["data"]["model_name"] == "Tiny qwen2"
    assert info.size_bytes == path.stat().st_size
    assert card["chat"]["source"] == "GGUF metadata"
    assert card["chat"]["special_tokens"]["eos_token"] == "<|im_end|>"
    assert card["tokenizer"]["type"] == "byte-level BPE"
    assert info.to_json()["chat_template"] is True
    qwen3 = describe(files("qwen3-BF16"), "path").card["architecture"]
    assert qwen3["qk_norm"] and qwen3["head_dim"] == 128 and not qwen3["tie_embeddings"]


def test_a_file_in_the_model_folder_is_listed_and_found_by_name(files, tmp_path, monkeypatch):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "tiny-q8.gguf").write_bytes(files("llama-Q8_0").read_bytes())
    (folder / "broken.gguf").write_bytes(b"GGUF" + b"\x03\x00\x00\x00")
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(folder))
    models, problems = list_models()
    assert "tiny-q8" in [m.name for m in models]
    assert len([p for p in problems if "broken.gguf" in p]) == 1
    assert load_model("tiny-q8", device="cpu").card["architecture"]["model_class"] == "GGUF llama"


def test_chat_and_the_command_line(files, tmp_path, capsys):
    """`generate --chat` renders the file's template; `stages`, `inspect` and `eval` work on a
    run of a GGUF model."""
    path = files("qwen3-Q6_K")
    run_file = tmp_path / "run.json"
    args = ["--prompt", "The fox", "--seed", "3", "--max-new-tokens", "12", "--ignore-eos"]
    assert main(["generate", "--model", str(path), *args, "--output", str(run_file)]) == 0
    capsys.readouterr()
    assert main(["stages", "--run", str(run_file), "--token", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stages"]
    inspect = ["inspect", "--run", str(run_file), "--token", "3", "--attention", "--lens"]
    assert main([*inspect, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)
    chat = ["generate", "--model", str(path), "--chat", "--prompt", "hi", "--max-new-tokens", "3"]
    assert main([*chat, "--temperature", "0", "--output", str(tmp_path / "chat.json")]) == 0
    from studio.io.export import read_run

    assert read_run(tmp_path / "chat.json").prompt.startswith("<|im_start|>user\nhi<|im_end|>")
    text = tmp_path / "held-out.txt"
    text.write_text(TEXT * 2, encoding="utf-8")
    capsys.readouterr()
    assert main(["eval", "--model", str(path), "--text", str(text), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nats_per_token"] > 0


# --- bad files -----------------------------------------------------------------------------------


def _rewrite(src: Path, dst: Path, arch: str | None = None, f64: bool = False) -> Path:
    """A copy of a tiny file with its architecture renamed, or one tensor stored as F64."""
    import gguf
    from gguf_helpers import write_gguf as write

    if arch is None and not f64:
        raise ValueError
    if arch is not None:  # the same layout under another architecture's keys
        data = src.read_bytes().replace(b"llama", arch.encode()[:5].ljust(5, b"_"))
        dst.write_bytes(data)
        return dst
    path = write(dst, "llama", "F32", layers=1)
    writer_path = dst.with_suffix(".f64.gguf")
    reader = gguf.GGUFReader(path)
    writer = gguf.GGUFWriter(str(writer_path), "llama")
    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name == "general.architecture":
            continue
        value = field.contents()
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, value, vtype, sub_type=sub)
    for t in reader.tensors:
        values = np.array(t.data)
        writer.add_tensor(
            t.name, values.astype(np.float64) if t.name.endswith("attn_q.weight") else values
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return writer_path


@pytest.mark.parametrize("bad", ["truncated", "not-gguf", "gemma", "f64", "header-cut"])
def test_a_bad_file_is_refused_in_one_line(files, tmp_path, bad, capsys):
    good = files("llama-F32")
    path = tmp_path / "bad.gguf"
    if bad == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size - 5000])
        expected = "truncated"
    elif bad == "header-cut":
        path.write_bytes(good.read_bytes()[:300])
        expected = "truncated or corrupt"
    elif bad == "not-gguf":
        path.write_bytes(b"PK\x03\x04 definitely a zip file")
        expected = "not a GGUF file"
    elif bad == "gemma":
        _rewrite(good, path, arch="gemma")
        expected = "architecture 'gemma' is not supported"
    else:
        path = _rewrite(good, path, f64=True)
        expected = "stored as F64, which is not supported"
    with pytest.raises(ModelFileError) as e:
        load_model(str(path), device="cpu")
    assert expected in str(e.value) and "\n" not in str(e.value)
    assert main(["generate", "--model", str(path), "--prompt", "x", "--max-new-tokens", "2"]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_memory_is_counted_dequantised_and_a_file_too_large_is_refused(files):
    from studio.engine.formats.gguf_file import load_gguf
    from studio.engine.formats.memory_check import check_fits, weights_in_memory

    path = files("qwen2-Q4_K")
    params = describe(path, "path").card["architecture"]["parameters"]
    assert weights_in_memory(path) == params * 4 > 2 * path.stat().st_size
    with pytest.raises(ModelFileError, match="needs about"):
        check_fits(path, available=params)
    half = load_gguf(path, dtype=torch.bfloat16)
    assert half.model.lm_head.weight.dtype == torch.bfloat16
    assert "computed in bfloat16" in half.card["architecture"]["precision"]
