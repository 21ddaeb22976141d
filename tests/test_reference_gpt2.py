"""Foreign checkpoints against their reference: a tiny Hugging Face GPT-2 must give transformers'
logits and greedy tokens; a nanoGPT checkpoint must give its source model's logits.

Every model and tokenizer here is built and trained locally in a temporary folder; nothing is
downloaded. transformers is a test-only dependency.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import helpers
import pytest
import torch

from studio.engine.formats.model_finder import list_models, load_model
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.text.generation import generate_text
from studio.engine.tokenizers import CharTokenizer
from studio.settings import GenerationSettings, SamplingSettings

EOS = "<|endoftext|>"
LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "To be, or not to be, that is the question.",
    "A model writes one token at a time, each drawn from a distribution.",
    "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
    "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
    "你好，世界！语言模型一次写一个词。",
]
PROMPT = "The fox 看见 the moon, 明月"


def train_bpe(vocab_size: int = 400) -> str:
    """A tiny byte-level BPE trained on LINES; returns its tokenizer.json."""
    return helpers.train_bpe(LINES, vocab_size, EOS)


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, torch.nn.Module]:
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path_factory.mktemp("models") / "tiny-gpt2"
    folder.mkdir()
    tj = train_bpe()
    (folder / "tokenizer.json").write_text(tj, encoding="utf-8")
    vocab = json.loads(tj)["model"]["vocab"]
    eos_id = vocab[EOS]
    config = GPT2Config(
        vocab_size=len(vocab),
        n_positions=128,
        n_embd=32,
        n_layer=2,
        n_head=4,
        bos_token_id=eos_id,
        eos_token_id=eos_id,
        pad_token_id=eos_id,
        # wide random weights spread the logits, so greedy choices are not near-ties that float
        # rounding could flip
        initializer_range=0.3,
    )
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config).eval()
    model.save_pretrained(folder, safe_serialization=True)
    return folder, model


def test_hf_gpt2_logits_match_transformers(hf_folder):
    folder, ref = hf_folder
    loaded = load_model(str(folder), device="cpu")
    assert loaded.read_only and loaded.kind == "text-gpt"
    ids = loaded.tokenizer.encode(PROMPT)
    assert len(ids) > 8
    x = torch.tensor([ids])
    with torch.no_grad():
        ours = loaded.model(x)
        theirs = ref(x).logits
    assert (ours - theirs).abs().max().item() <= 1e-4


def test_hf_gpt2_greedy_equals_transformers_generate(hf_folder):
    folder, ref = hf_folder
    loaded = load_model(str(folder), device="cpu")
    ids = loaded.tokenizer.encode(PROMPT)
    n = 64
    settings = GenerationSettings(
        sampling=SamplingSettings(temperature=0.0),
        max_new_tokens=n,
        seed=0,
        ignore_eos=True,
        top_n=0,
    )
    ours = [e.id for e in generate_text(loaded, PROMPT, settings) if e.event == "token"]
    x = torch.tensor([ids])
    with torch.no_grad():
        out = ref.generate(
            x,
            attention_mask=torch.ones_like(x),
            do_sample=False,
            max_new_tokens=n,
            min_new_tokens=n,
            eos_token_id=None,
            pad_token_id=ref.config.pad_token_id,
        )
    theirs = out[0, len(ids) :].tolist()
    assert len(ours) == n
    assert len(set(ours)) > 3  # a real continuation, not one token repeated
    assert ours == theirs


def test_hf_gpt2_cached_equals_uncached(hf_folder):
    folder, _ = hf_folder
    model = load_model(str(folder), device="cpu").model
    x = torch.randint(
        0, model.config.vocab_size, (1, 40), generator=torch.Generator().manual_seed(3)
    )
    with torch.no_grad():
        full = model(x)
        cache = model.new_cache(1)
        steps = [model(x[:, :10], cache)] + [model(x[:, t : t + 1], cache) for t in range(10, 40)]
    assert (full - torch.cat(steps, 1)).abs().max().item() <= 1e-5


def test_hf_gpt2_bin_without_prefix_and_vocab_merges(hf_folder, tmp_path):
    """pytorch_model.bin with GPT2Model names (no "transformer.") and vocab.json + merges.txt."""
    folder, ref = hf_folder
    alt = tmp_path / "alt-gpt2"
    alt.mkdir()
    (alt / "config.json").write_bytes((folder / "config.json").read_bytes())
    sd = {k.removeprefix("transformer."): v for k, v in ref.state_dict().items()}
    sd.pop("lm_head.weight", None)
    torch.save(sd, alt / "pytorch_model.bin")
    tj = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    (alt / "vocab.json").write_text(json.dumps(tj["model"]["vocab"]), encoding="utf-8")
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    (alt / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    loaded = load_model(str(alt), device="cpu")
    ids = loaded.tokenizer.encode(PROMPT)
    assert ids == load_model(str(folder), device="cpu").tokenizer.encode(PROMPT)
    assert loaded.tokenizer.decode(ids) == PROMPT
    x = torch.tensor([ids])
    with torch.no_grad():
        assert (loaded.model(x) - ref(x).logits).abs().max().item() <= 1e-4


def test_hf_gpt2_sharded_safetensors(hf_folder, tmp_path):
    from safetensors.torch import load_file, save_file

    folder, ref = hf_folder
    alt = tmp_path / "sharded-gpt2"
    alt.mkdir()
    for f in ("config.json", "tokenizer.json"):
        (alt / f).write_bytes((folder / f).read_bytes())
    tensors = load_file(str(folder / "model.safetensors"))
    names = sorted(tensors)
    shards = {
        "model-00001-of-00002.safetensors": names[::2],
        "model-00002-of-00002.safetensors": names[1::2],
    }
    weight_map = {}
    for shard, keys in shards.items():
        save_file({k: tensors[k] for k in keys}, str(alt / shard))
        weight_map.update(dict.fromkeys(keys, shard))
    (alt / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    loaded = load_model(str(alt), device="cpu")
    x = torch.tensor([loaded.tokenizer.encode(PROMPT)])
    with torch.no_grad():
        assert (loaded.model(x) - ref(x).logits).abs().max().item() <= 1e-4


NANO_TEXT = "hello world, the quick brown fox.\n你好世界，明月光。\n"


def _write_nanogpt(folder: Path, bias: bool) -> GPT:
    """A checkpoint as nanoGPT's train.py writes it, from a compiled model (hence "_orig_mod.")."""
    folder.mkdir(parents=True, exist_ok=True)
    tok = CharTokenizer.from_text(NANO_TEXT)
    args = dict(
        n_layer=2, n_head=2, n_embd=32, block_size=32, bias=bias, vocab_size=64, dropout=0.0
    )
    torch.manual_seed(1)
    model = GPT(GPTConfig(**args)).eval()
    ckpt = {
        "model": {"_orig_mod." + k: v for k, v in model.state_dict().items()},
        "optimizer": {"state": {}, "param_groups": [{"lr": 6e-4, "params": [0, 1]}]},
        "model_args": args,
        "iter_num": 250,
        "best_val_loss": torch.tensor(1.4567),
        "config": {"dataset": "tiny_char", "batch_size": 12},
    }
    torch.save(ckpt, folder / "ckpt.pt")
    meta = {"vocab_size": tok.vocab_size, "itos": dict(enumerate(tok.chars)), "stoi": tok.stoi}
    with open(folder / "meta.pkl", "wb") as f:
        pickle.dump(meta, f)
    return model


@pytest.mark.parametrize("bias", [True, False])
def test_nanogpt_checkpoint_matches_source(tmp_path, bias):
    source = _write_nanogpt(tmp_path / "out-tiny", bias)
    for path in (tmp_path / "out-tiny", tmp_path / "out-tiny" / "ckpt.pt"):
        loaded = load_model(str(path), device="cpu")
        assert loaded.read_only and loaded.name == "out-tiny"
        assert loaded.card["metrics"]["val_loss_nats_per_token"] == pytest.approx(1.4567)
        ids = loaded.tokenizer.encode("hello 你好")
        assert loaded.tokenizer.decode(ids) == "hello 你好"
        x = torch.tensor([ids])
        assert loaded.model.lm_head.weight is loaded.model.transformer.wte.weight
        with torch.no_grad():
            assert (loaded.model(x) - source(x)).abs().max().item() <= 1e-6


def test_models_command_lists_foreign_checkpoints(hf_folder, tmp_path, monkeypatch, capsys):
    folder, _ = hf_folder
    user = tmp_path / "user-models"
    user.mkdir()
    os.symlink(folder, user / "tiny-gpt2")
    _write_nanogpt(user / "out-tiny", bias=True)
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(user))
    from studio.cli.main import main

    assert main(["models", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed["tiny-gpt2"]["kind"] == "text-gpt"
    assert listed["out-tiny"]["kind"] == "text-gpt"
    assert listed["out-tiny"]["metrics"]["val_loss_nats_per_token"] == pytest.approx(1.4567)
    # the card fields the window shows
    models, problems = list_models()
    cards = {m.name: m.card for m in models}
    assert cards["tiny-gpt2"]["source"] == "Hugging Face GPT-2 folder"
    assert cards["out-tiny"]["source"] == "nanoGPT checkpoint"
    assert cards["out-tiny"]["tokenizer"]["type"] == "char"
    assert all(c["read_only"] for n, c in cards.items() if n in ("tiny-gpt2", "out-tiny"))
    assert not [p for p in problems if str(user) in p]
