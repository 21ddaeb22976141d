"""Llama-family folders (Llama, Qwen2, Qwen3) against transformers: logits at every step of a greedy
run, identical greedy tokens, the sampled distribution under a sampling chain, tokenizers, the card,
the command line past the context window, and one-line refusals of bad folders.

Every model and tokenizer is built locally by transformers / tokenizers in temporary folders.
"""

from __future__ import annotations

import inspect
import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from llama_helpers import (
    PROMPT,
    TEXT,
    byte_level_tokenizer,
    make_folder,
    reference,
    sentencepiece_tokenizer,
)

from studio.cli.main import main
from studio.core.errors import ModelFileError
from studio.engine.formats.model_finder import describe, load_model
from studio.engine.networks.llama import Llama
from studio.engine.text.generation import generate_text
from studio.engine.text.sampling_stages import sampling_stages
from studio.engine.tokenizer_json import TokenizerJSON
from studio.engine.tokenizers import Utf8Stream
from studio.io.export import read_run
from studio.io.run import trace_events
from studio.settings import GenerationSettings, SamplingSettings

STEPS = 64
# (architecture, storage dtype, sharded, SentencePiece-style tokenizer)
FOLDERS = {
    "llama-f32": ("llama", torch.float32, True, True),
    "llama-bf16": ("llama", torch.bfloat16, False, False),
    "qwen2-f32": ("qwen2", torch.float32, False, False),
    "qwen2-bf16": ("qwen2", torch.bfloat16, True, False),
    "qwen3-f32": ("qwen3", torch.float32, False, False),
    "qwen3-bf16": ("qwen3", torch.bfloat16, False, True),
}
CHAIN = SamplingSettings(temperature=0.8, top_k=30, top_p=0.9, repetition_penalty=1.2)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """name -> a folder of FOLDERS, made on first use."""
    root = tmp_path_factory.mktemp("llama-family")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            arch, dtype, sharded, sp = FOLDERS[name]
            made[name] = make_folder(root / name, arch, dtype, sharded, sp)
        return made[name]

    return get


def _our_greedy(model, ids: list[int]) -> tuple[list[int], list[torch.Tensor]]:
    cache = model.new_cache(1)
    with torch.inference_mode():
        logits = model(torch.tensor([ids]), cache, last_only=True)[:, -1]  # (1, V)
        step = model.decoder(cache)
        tokens, seen = [], []
        for _ in range(STEPS):
            seen.append(logits[0].clone())
            nxt = logits.argmax(-1)  # (1,)
            tokens.append(int(nxt))
            logits = step(nxt)
    return tokens, seen


def _their_greedy(ref, ids: list[int]) -> tuple[list[int], list[torch.Tensor]]:
    # transformers 5.x renames past_key_values to cache
    key = "cache" if "cache" in inspect.signature(ref.forward).parameters else "past_key_values"
    with torch.no_grad():
        out = ref(torch.tensor([ids]), use_cache=True)
        tokens, seen = [], []
        for _ in range(STEPS):
            logits = out.logits[:, -1]
            seen.append(logits[0].clone())
            nxt = logits.argmax(-1)
            tokens.append(int(nxt))
            out = ref(nxt.view(1, 1), **{key: out.past_key_values}, use_cache=True)
    return tokens, seen


@pytest.mark.parametrize("name", list(FOLDERS))
def test_logits_at_every_step_and_greedy_tokens_equal_transformers(folders, name):
    folder = folders(name)
    loaded = load_model(str(folder), device="cpu", dtype="float32")
    assert isinstance(loaded.model, Llama) and loaded.read_only
    ref = reference(folder)
    ids = loaded.tokenizer.encode(PROMPT)
    assert len(ids) > 8
    ours, our_logits = _our_greedy(loaded.model, ids)
    theirs, their_logits = _their_greedy(ref, ids)
    assert ours == theirs
    worst = max(float((a - b).abs().max()) for a, b in zip(our_logits, their_logits, strict=True))
    assert worst < 1e-4, f"logits differ by {worst}"
    assert len(set(theirs)) > 8  # a run that goes somewhere, not one token over and over
    # the uncached forward pass over the whole run gives the same logits
    with torch.inference_mode():
        whole = loaded.model(torch.tensor([ids + ours]))[0, len(ids) - 1 : -1]
    assert float((whole - torch.stack(their_logits)).abs().max()) < 1e-4
    # and generation's own greedy run draws the same tokens
    settings = GenerationSettings(
        max_new_tokens=STEPS, ignore_eos=True, sampling=SamplingSettings(temperature=0.0)
    )
    events = list(generate_text(loaded, PROMPT, settings))
    assert [e.id for e in events if type(e).__name__ == "TokenEvent"] == theirs


@pytest.mark.parametrize("name", ["llama-f32", "qwen2-bf16", "qwen3-f32"])
def test_sampled_distribution_equals_transformers_chain(folders, name):
    from transformers.generation.logits_process import (
        LogitsProcessorList,
        RepetitionPenaltyLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    folder = folders(name)
    loaded = load_model(str(folder), device="cpu", dtype="float32")
    settings = GenerationSettings(max_new_tokens=40, seed=7, ignore_eos=True, sampling=CHAIN)
    tokens = [e for e in generate_text(loaded, PROMPT, settings) if hasattr(e, "model_prob")]
    assert len(tokens) == 40
    prompt = loaded.tokenizer.encode(PROMPT)
    full = torch.tensor([prompt + [t.id for t in tokens]])
    with torch.no_grad():
        logits = reference(folder)(full).logits[0]  # (T, V)
    chain = LogitsProcessorList(
        [
            RepetitionPenaltyLogitsProcessor(1.2),
            TemperatureLogitsWarper(0.8),
            TopKLogitsWarper(30),
            TopPLogitsWarper(0.9),
        ]
    )
    for step, t in enumerate(tokens):
        at = len(prompt) + step
        raw = logits[at - 1 : at]  # (1, V): the logits the step drew from
        probs = chain(full[:, :at], raw.clone()).softmax(-1)[0]
        assert math.isclose(t.model_prob, float(raw.softmax(-1)[0, t.id]), abs_tol=1e-5)
        assert math.isclose(t.prob, float(probs[t.id]), abs_tol=1e-5)
        for c in t.top:
            assert math.isclose(c.prob, float(probs[c.id]), abs_tol=1e-5)
    # the stages view recomputes a step with the same numbers
    stages = sampling_stages(loaded, PROMPT, [t.id for t in tokens[:25]], settings)
    assert math.isclose(stages[-1].chosen_prob, tokens[24].prob, abs_tol=1e-5)


# --- tokenizers --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["byte-level", "sentencepiece"])
def test_tokenizer_encodes_and_decodes_as_transformers(tmp_path, kind):
    from transformers import PreTrainedTokenizerFast

    tj = byte_level_tokenizer() if kind == "byte-level" else sentencepiece_tokenizer()
    path = tmp_path / "tokenizer.json"
    path.write_text(tj, encoding="utf-8")
    theirs = PreTrainedTokenizerFast(tokenizer_file=str(path), clean_up_tokenization_spaces=False)
    ours = TokenizerJSON(tj, eos_ids=[2])
    ids = ours.encode(TEXT)
    assert ids == theirs.encode(TEXT)
    assert ours.decode(ids) == theirs.decode(ids)
    assert theirs.decode(ids, skip_special_tokens=True) == TEXT  # the text survives the round trip
    if kind == "sentencepiece":
        assert ids[0] == 1 and ours.token_text(1) == "<s>"  # Llama's <s> in front, shown as such
        assert any(ours.token_text(i) == "\ufffd" for i in ids)  # emoji spelled as <0xNN> bytes
    # streamed one token at a time: whole characters only, together the decoded text
    stream = Utf8Stream(ours)
    pieces = [stream.put(i) for i in ids] + [stream.end()]
    assert "".join(pieces) == theirs.decode(ids)
    assert all("\ufffd" not in p for p in pieces)
    # a continuation streams as the text that follows its prompt
    cut = len(ours.encode(TEXT[:20]))
    assert ours.decode(ids[:cut]) + Utf8Stream(ours).feed_all(ids[cut:]) == ours.decode(ids)


def test_special_tokens_are_single_tokens_shown_as_such():
    ours = TokenizerJSON(byte_level_tokenizer(), eos_ids=[2, 0])
    ids = ours.encode("hi<|im_end|>")
    assert ours.token_text(ids[-1]) == "<|im_end|>"
    assert Utf8Stream(ours).feed_all(ids) == "hi<|im_end|>"
    assert ours.eos_ids == (2, 0) and ours.eos == "<|im_end|>"


# --- the card, several end ids, the command line -----------------------------------------------


def test_card_says_what_the_folder_holds(folders):
    folder = folders("qwen2-bf16")
    info = describe(folder, "path")
    card = info.card
    arch = card["architecture"]
    assert arch["model_class"] == "Qwen2ForCausalLM" and arch["context_length"] == 128
    assert arch["parameters"] == reference(folder).num_parameters()  # the tied head once
    assert arch["precision"].startswith("bfloat16")
    assert card["data"]["license"] == "apache-2.0"
    assert card["data"]["base_model"] == "example/tiny-base"
    assert card["sampling_defaults"] == {
        "do_sample": True,
        "temperature": 0.7,
        "top_k": 20,
        "top_p": 0.8,
        "repetition_penalty": 1.05,
    }
    assert card["tokenizer"]["eos"] == ["<|im_end|>", "<|endoftext|>"]
    assert info.size_bytes > sum(f.stat().st_size for f in folder.glob("*.safetensors"))


def test_any_of_several_end_ids_ends_a_sample(folders):
    loaded = load_model(str(folders("qwen3-f32")), device="cpu")
    greedy = GenerationSettings(max_new_tokens=5, sampling=SamplingSettings(temperature=0.0))
    loaded.tokenizer.eos_ids = ()
    first = next(e for e in generate_text(loaded, PROMPT, greedy) if hasattr(e, "model_prob"))
    loaded.tokenizer.eos_ids = (first.id + 1, first.id)  # the second one named is drawn first
    done = [e for e in generate_text(loaded, PROMPT, greedy) if hasattr(e, "stop_reason")]
    assert done[0].stop_reason == "eos" and done[0].tokens == 1


def test_command_line_runs_past_the_window_and_recomputes_stages(tmp_path, capsys):
    """`generate --output`, `stages` and `eval` on a Llama folder whose 24-token window the run
    outgrows: the shift rebuilds the rotary cache, and the stages replay it."""
    folder = make_folder(tmp_path / "short", "llama")
    config = json.loads((folder / "config.json").read_text())
    config["max_position_embeddings"] = 24
    (folder / "config.json").write_text(json.dumps(config))
    run_file = tmp_path / "run.json"
    args = ["--prompt", "The fox", "--seed", "3", "--max-new-tokens", "40", "--ignore-eos"]
    args += ["--temperature", "0.9", "--top-k", "20", "--context", "shift"]
    assert main(["generate", "--model", str(folder), *args, "--output", str(run_file)]) == 0
    run = read_run(run_file)
    assert capsys.readouterr().out == run.prompt + run.text + "\n" and run.tokens == 40
    tokens = trace_events(run.trace)
    for n in (1, 30, 40):  # inside the window, and after the shifts
        assert main(["stages", "--run", str(run_file), "--token", str(n), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["id"] == tokens[n - 1].id
        assert math.isclose(out["stages"][-1]["chosen_prob"], tokens[n - 1].prob, rel_tol=1e-4)
    text = tmp_path / "held-out.txt"
    text.write_text(TEXT * 3, encoding="utf-8")
    assert main(["eval", "--model", str(folder), "--text", str(text), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["nats_per_token"] > 0 and scored["tokens"] > 24


# --- bad folders -------------------------------------------------------------------------------


def _edit_config(folder: Path, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    config.update(changes)
    (folder / "config.json").write_text(json.dumps(config))


BAD = {
    "no-tokenizer": (lambda f: (f / "tokenizer.json").unlink(), "no tokenizer"),
    "shapes": (lambda f: _edit_config(f, intermediate_size=96), "but the configuration needs"),
    "architecture": (
        lambda f: _edit_config(f, architectures=["MistralForCausalLM"], model_type="mistral"),
        "architecture 'MistralForCausalLM' is not supported",
    ),
    "rope": (
        lambda f: _edit_config(f, rope_parameters={"rope_type": "yarn", "rope_theta": 1e4}),
        "rope scaling 'yarn' is not supported",
    ),
    "sliding": (lambda f: _edit_config(f, use_sliding_window=True), "sliding-window"),
    "activation": (lambda f: _edit_config(f, hidden_act="gelu"), "hidden_act='gelu'"),
    "absurd": (lambda f: _edit_config(f, num_hidden_layers=10**6), "n_layer=1000000"),
    "missing-tensor": (
        lambda f: (f / "model.safetensors.index.json").write_text(
            json.dumps({"weight_map": {"model.norm.weight": "model-00001-of-00007.safetensors"}})
        ),
        "missing tensors",
    ),
}


@pytest.mark.parametrize("bad", list(BAD))
def test_a_bad_folder_is_refused_in_one_line(folders, tmp_path, bad):
    spoil, message = BAD[bad]
    folder = tmp_path / bad
    shutil.copytree(folders("llama-f32"), folder)
    spoil(folder)
    for action in (lambda: describe(folder, "path"), lambda: load_model(str(folder), "cpu")):
        with pytest.raises(ModelFileError) as e:
            action()
        text = str(e.value)
        assert message in text and "\n" not in text, text


def test_the_cache_grows_without_changing_a_logit(folders, monkeypatch):
    """The KV cache starts short and doubles (a 128k-token model must not reserve its whole
    window); growing in the middle of a run leaves every step's logits as the uncached pass's."""
    from studio.engine.networks import llama_layers

    monkeypatch.setattr(llama_layers, "FIRST_CACHE_POSITIONS", 4)
    loaded = load_model(str(folders("qwen3-f32")), device="cpu")
    ids = loaded.tokenizer.encode(PROMPT)
    tokens, logits = _our_greedy(loaded.model, ids)
    with torch.inference_mode():
        whole = loaded.model(torch.tensor([ids + tokens]))[0, len(ids) - 1 : -1]
    assert float((whole - torch.stack(logits)).abs().max()) < 1e-4
    cache = loaded.model.new_cache(1)
    assert cache.capacity == 4
    with torch.inference_mode():
        loaded.model(torch.tensor([ids]), cache)
    assert cache.capacity == 32 >= cache.length == len(ids)  # 4 -> 8 -> 16 -> 32


def test_computing_in_bfloat16_follows_transformers(folders):
    from transformers import AutoModelForCausalLM

    from studio.engine.formats.hf_llama import load_hf_llama

    folder = folders("llama-bf16")
    loaded = load_hf_llama(folder, dtype=torch.bfloat16)
    assert loaded.card["architecture"]["precision"] == "bfloat16 weights, computed in bfloat16"
    assert next(loaded.model.parameters()).dtype == torch.bfloat16
    ref = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
    ids = torch.tensor([loaded.tokenizer.encode(PROMPT)])
    with torch.no_grad():
        ours, theirs = loaded.model(ids).float(), ref(ids).logits.float()
    assert torch.equal(ours.argmax(-1), theirs.argmax(-1))
    assert float((ours - theirs).abs().max()) < 0.05
    events = generate_text(loaded, PROMPT, GenerationSettings(max_new_tokens=4, seed=1))
    assert sum(hasattr(e, "model_prob") for e in events) == 4


def test_an_empty_prompt_starts_from_the_folders_start_token(folders):
    from studio.engine.text.generation import start_ids

    loaded = load_model(str(folders("qwen2-f32")), device="cpu")
    assert loaded.tokenizer.encode("") == []  # Qwen adds nothing in front ...
    # ... so a run from nothing starts from config.json's bos_token_id (the first end id here)
    assert start_ids(loaded) == [loaded.tokenizer.eos_ids[0]] == [loaded.tokenizer.bos_id]
    events = list(generate_text(loaded, "", GenerationSettings(max_new_tokens=3, seed=1)))
    assert sum(hasattr(e, "model_prob") for e in events) == 3
    sp = load_model(str(folders("llama-f32")), device="cpu")
    assert sp.tokenizer.encode("") == [1]  # Llama's <s>
