"""Every broken, inconsistent or hostile model file gives one documented error, never a traceback.

Engine: `ModelFileError`, one line naming the file. CLI: `generate --model BAD` exits with status 2
and a single stderr line "aigc-studio: error: ...". Hostile pickles must not run: their payload would
create a marker file, which must never appear.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import save_tiny, tiny_char_model
from safetensors.torch import save_file

from studio.core.errors import ModelFileError
from studio.engine.formats.foreign_checks import expected_shapes
from studio.engine.formats.model_finder import describe, load_model
from studio.engine.formats.studio_file import save_model_file, untied_state_dict
from studio.engine.networks.gpt import GPT, GPTConfig

ROOT = Path(__file__).resolve().parents[1]
CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
HF_CONFIG = {
    "model_type": "gpt2",
    "activation_function": "gelu_new",
    "n_positions": 16,
    "n_embd": 16,
    "n_layer": 1,
    "n_head": 2,
    "vocab_size": 300,
    "layer_norm_epsilon": 1e-5,
}
NANO_ARGS = dict(
    n_layer=1, n_head=2, n_embd=16, block_size=16, bias=True, vocab_size=40, dropout=0.0
)


class Payload:
    """Unpickling this would run code that creates the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


# --- builders ------------------------------------------------------------------------------------


def _tokenizer_json() -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=280,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(["hello world 你好世界"] * 8, trainer)
    return tok.to_str()


def _hf_tensors(config: dict = HF_CONFIG) -> dict[str, torch.Tensor]:
    """Our GPT's weights under Hugging Face's names and layout (Conv1D weights are (in, out))."""
    torch.manual_seed(0)
    cfg = GPTConfig(
        block_size=config["n_positions"],
        vocab_size=config["vocab_size"],
        n_layer=config["n_layer"],
        n_head=config["n_head"],
        n_embd=config["n_embd"],
    )
    out = {}
    for k, v in untied_state_dict(GPT(cfg)).items():
        out[k] = (v.t() if k.endswith(CONV1D) else v).contiguous().clone()
    return out


def _hf_folder(
    root: Path,
    name: str,
    config: dict | str | None = HF_CONFIG,
    tensors: dict | None = None,
    tokenizer: str | None = None,
    weights: str = "model.safetensors",
) -> Path:
    folder = root / name
    folder.mkdir()
    if config is not None:
        text = config if isinstance(config, str) else json.dumps(config)
        (folder / "config.json").write_text(text, encoding="utf-8")
    tensors = _hf_tensors() if tensors is None else tensors
    if weights == "model.safetensors":
        save_file(tensors, str(folder / weights))
    elif weights:
        torch.save(tensors, folder / weights)
    (folder / "tokenizer.json").write_text(
        _tokenizer_json() if tokenizer is None else tokenizer, encoding="utf-8"
    )
    return folder


def _nano_ckpt(args: dict = NANO_ARGS) -> dict:
    torch.manual_seed(0)
    model = GPT(GPTConfig(**{k: args[k] for k in NANO_ARGS}))
    return {
        "model": {"_orig_mod." + k: v for k, v in model.state_dict().items()},
        "model_args": dict(args),
        "iter_num": 10,
        "config": {"dataset": "tiny_char"},
    }


def _nano_folder(root: Path, name: str, ckpt: object = None, meta: object = "chars") -> Path:
    """A nanoGPT output folder; ckpt may be a dict (torch.save'd) or raw bytes."""
    folder = root / name
    folder.mkdir()
    ckpt = _nano_ckpt() if ckpt is None else ckpt
    if isinstance(ckpt, bytes):
        (folder / "ckpt.pt").write_bytes(ckpt)
    else:
        torch.save(ckpt, folder / "ckpt.pt")
    if meta == "chars":
        chars = "abcdefghij 你好世界"
        meta = {"vocab_size": len(chars), "itos": dict(enumerate(chars))}
        meta["stoi"] = {c: i for i, c in meta["itos"].items()}
    if isinstance(meta, bytes):
        (folder / "meta.pkl").write_bytes(meta)
    elif meta is not None:
        (folder / "meta.pkl").write_bytes(pickle.dumps(meta))
    return folder


def _our_file(root: Path, name: str, edit=None, card_edit=None) -> Path:
    loaded = tiny_char_model()
    path = root / name
    sd = untied_state_dict(loaded.model)
    if edit:
        edit(sd)
    card = dict(loaded.card)
    if card_edit:
        card_edit(card)
    save_model_file(path, sd, card)
    return path


def _good_bytes(root: Path) -> bytes:
    path = save_tiny(root / "good.safetensors.tmp", tiny_char_model())
    data = path.read_bytes()
    path.unlink()
    return data


@pytest.fixture(scope="module")
def marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("marker") / "payload-ran"


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory, marker: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad")
    cases: dict[str, Path] = {}

    def put(case: str, path: Path) -> None:
        cases[case] = path

    def write(name: str, data: bytes) -> Path:
        (root / name).write_bytes(data)
        return root / name

    rnd = torch.Generator().manual_seed(1)
    noise = bytes(torch.randint(0, 256, (4096,), generator=rnd, dtype=torch.uint8).tolist())
    good = _good_bytes(root)

    # our own format
    put("empty", write("empty.safetensors", b""))
    put("random-bytes", write("random.safetensors", noise))
    put("truncated", write("truncated.safetensors", good[: len(good) // 2]))
    put("absurd-layers", _our_file(root, "absurd.safetensors", card_edit=_set_arch(n_layer=10**9)))

    def bad_shape(sd: dict) -> None:
        sd["transformer.wpe.weight"] = torch.zeros(5, 32)

    def drop_one(sd: dict) -> None:
        del sd["transformer.h.1.mlp.c_fc.bias"]

    def nan(sd: dict) -> None:
        sd["transformer.h.0.attn.c_attn.weight"][0, 0] = float("nan")

    put("wrong-shape", _our_file(root, "wrong-shape.safetensors", edit=bad_shape))
    put("missing-tensor", _our_file(root, "missing-tensor.safetensors", edit=drop_one))
    put("nan-weights", _our_file(root, "nan.safetensors", edit=nan))

    # nanoGPT checkpoints
    put("ckpt-empty", write("empty.pt", b""))
    put("ckpt-random", write("random.pt", noise))
    put("ckpt-text", write("notes.pt", b"this is not a checkpoint\n"))
    zipped = root / "whole.pt.tmp"
    torch.save(_nano_ckpt(), zipped)
    put("ckpt-truncated", write("truncated.pt", zipped.read_bytes()[:3000]))
    put("ckpt-payload", _nano_folder(root, "ckpt-payload", {"model": Payload(marker)}))
    legacy = pickle.dumps({"model": Payload(marker)}, protocol=2)
    put("ckpt-payload-legacy", write("payload-legacy.pt", legacy))
    legacy4 = pickle.dumps({"model": Payload(marker)}, protocol=4)
    put("ckpt-payload-legacy4", write("payload-legacy4.pt", legacy4))
    put("ckpt-not-dict", _nano_folder(root, "ckpt-not-dict", [1, 2, 3]))
    put("ckpt-no-args", _nano_folder(root, "ckpt-no-args", {"model": {}}))
    put("ckpt-absurd", _nano_folder(root, "ckpt-absurd", _nano_ckpt_with(n_layer=10**9)))
    # each size within limits, together terabytes: must be refused before anything is allocated
    huge = _nano_ckpt_with(n_layer=256, n_embd=16384, n_head=16, vocab_size=1_000_000)
    put("ckpt-huge", _nano_folder(root, "ckpt-huge", huge))
    ck = _nano_ckpt()
    ck["model"]["_orig_mod.transformer.wte.weight"] = torch.zeros(40, 8)
    put("ckpt-wrong-shape", _nano_folder(root, "ckpt-wrong-shape", ck))
    ck = _nano_ckpt()
    del ck["model"]["_orig_mod.transformer.ln_f.bias"]
    put("ckpt-missing-tensor", _nano_folder(root, "ckpt-missing-tensor", ck))
    ck = _nano_ckpt()
    ck["model"]["_orig_mod.transformer.h.0.mlp.c_fc.weight"][3, 3] = float("inf")
    put("ckpt-nan", _nano_folder(root, "ckpt-nan", ck))
    ck = _nano_ckpt()
    ck["model"]["_orig_mod.lm_head.weight"] = torch.randn(40, 16)
    put("ckpt-untied", _nano_folder(root, "ckpt-untied", ck))
    put("meta-payload", _nano_folder(root, "meta-payload", meta=pickle.dumps(Payload(marker))))
    put("meta-random", _nano_folder(root, "meta-random", meta=noise))
    put("meta-not-vocab", _nano_folder(root, "meta-not-vocab", meta={"itos": {0: "ab"}}))
    put("ckpt-no-tokenizer", _nano_folder(root, "ckpt-no-tokenizer", meta=None))
    gpt2_vocab = _nano_ckpt_with(vocab_size=50304, n_embd=8, n_head=1)
    put("ckpt-gpt2-bpe", _nano_folder(root, "ckpt-gpt2-bpe", gpt2_vocab, meta=None))

    # Hugging Face GPT-2 folders
    empty_dir = root / "hf-no-config"
    empty_dir.mkdir()
    put("hf-no-config", empty_dir)
    put("hf-bad-json", _hf_folder(root, "hf-bad-json", config='{"n_embd": 16,'))
    put("hf-config-list", _hf_folder(root, "hf-config-list", config="[1, 2]"))
    put("hf-relu", _hf_folder(root, "hf-relu", config={**HF_CONFIG, "activation_function": "relu"}))
    put("hf-llama", _hf_folder(root, "hf-llama", config={**HF_CONFIG, "model_type": "llama"}))
    put("hf-inner", _hf_folder(root, "hf-inner", config={**HF_CONFIG, "n_inner": 24}))
    put("hf-absurd", _hf_folder(root, "hf-absurd", config={**HF_CONFIG, "n_layer": 10**9}))
    huge_cfg = {**HF_CONFIG, "n_layer": 256, "n_embd": 16384, "vocab_size": 1_000_000}
    put("hf-huge", _hf_folder(root, "hf-huge", config=huge_cfg))
    put("hf-no-weights", _hf_folder(root, "hf-no-weights", weights=""))
    folder = _hf_folder(root, "hf-truncated")
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) - 100])
    put("hf-truncated", folder)
    t = _hf_tensors()
    del t["transformer.h.0.ln_2.weight"]
    put("hf-missing-tensor", _hf_folder(root, "hf-missing-tensor", tensors=t))
    put(
        "hf-wrong-shape",
        _hf_folder(root, "hf-wrong-shape", config={**HF_CONFIG, "n_positions": 32}),
    )
    t = _hf_tensors()
    t["transformer.ln_f.weight"][0] = float("nan")
    put("hf-nan", _hf_folder(root, "hf-nan", tensors=t))
    t = {**_hf_tensors(), "lm_head.weight": torch.randn(300, 16)}
    put("hf-untied", _hf_folder(root, "hf-untied", tensors=t))
    put(
        "hf-bin-payload",
        _hf_folder(
            root, "hf-bin-payload", tensors={"a": Payload(marker)}, weights="pytorch_model.bin"
        ),
    )
    put("hf-bad-tokenizer", _hf_folder(root, "hf-bad-tokenizer", tokenizer="{not json"))
    small = {**HF_CONFIG, "vocab_size": 100}
    put(
        "hf-vocab-too-big",
        _hf_folder(root, "hf-vocab-too-big", config=small, tensors=_hf_tensors(small)),
    )
    folder = _hf_folder(root, "hf-shard-escape", weights="")
    index = {"weight_map": {"transformer.wte.weight": "../good.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    write("good.safetensors", good)
    put("hf-shard-escape", folder)
    folder = _hf_folder(root, "hf-no-tokenizer")
    (folder / "tokenizer.json").unlink()
    put("hf-no-tokenizer", folder)
    assert not marker.exists()
    return cases


def _set_arch(**kw):
    def edit(card: dict) -> None:
        card["architecture"] = {**card["architecture"], **kw}

    return edit


def _nano_ckpt_with(**kw) -> dict:
    """A checkpoint whose model_args say one thing while its tensors are the default tiny model."""
    ck = _nano_ckpt()
    ck["model_args"] = {**NANO_ARGS, **kw}
    return ck


CASES = [
    "empty",
    "random-bytes",
    "truncated",
    "absurd-layers",
    "wrong-shape",
    "missing-tensor",
    "nan-weights",
    "ckpt-empty",
    "ckpt-random",
    "ckpt-text",
    "ckpt-truncated",
    "ckpt-payload",
    "ckpt-payload-legacy",
    "ckpt-payload-legacy4",
    "ckpt-not-dict",
    "ckpt-no-args",
    "ckpt-absurd",
    "ckpt-huge",
    "ckpt-wrong-shape",
    "ckpt-missing-tensor",
    "ckpt-nan",
    "ckpt-untied",
    "meta-payload",
    "meta-random",
    "meta-not-vocab",
    "ckpt-no-tokenizer",
    "ckpt-gpt2-bpe",
    "hf-no-config",
    "hf-bad-json",
    "hf-config-list",
    "hf-relu",
    "hf-llama",
    "hf-inner",
    "hf-absurd",
    "hf-huge",
    "hf-no-weights",
    "hf-truncated",
    "hf-missing-tensor",
    "hf-wrong-shape",
    "hf-nan",
    "hf-untied",
    "hf-bin-payload",
    "hf-bad-tokenizer",
    "hf-vocab-too-big",
    "hf-shard-escape",
    "hf-no-tokenizer",
]


def test_every_case_is_built(bad):
    assert sorted(bad) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_engine_raises_model_file_error(bad, marker, case):
    path = bad[case]
    with pytest.raises(ModelFileError) as info:
        load_model(str(path), device="cpu")
    message = str(info.value)
    assert path.name in message
    assert "\n" not in message and "Traceback" not in message
    assert not marker.exists(), "a pickle payload ran"
    # listing never crashes either: a card is built, or the same documented error is raised
    try:
        describe(path, "user")
    except ModelFileError as e:
        assert "\n" not in str(e)
    assert not marker.exists(), "a pickle payload ran"


def test_the_payload_is_live(tmp_path):
    """The hostile files are real: a general unpickler would run their code."""
    live = tmp_path / "live-marker"
    pickle.loads(pickle.dumps(Payload(live)))
    assert live.exists()


def test_specific_reasons(bad):
    def reason(case: str) -> str:
        with pytest.raises(ModelFileError) as info:
            load_model(str(bad[case]), device="cpu")
        return info.value.reason

    assert "tokenizer.json" in reason("ckpt-gpt2-bpe")
    assert "meta.pkl" in reason("ckpt-no-tokenizer")
    assert "exec" in reason("ckpt-payload")
    assert "exec" in reason("meta-payload")
    assert "relu" in reason("hf-relu")
    # a GPT-2 config relabelled "llama" goes to the Llama-family reader, which lacks its sizes
    assert "hidden_size" in reason("hf-llama")
    assert "n_layer" in reason("hf-absurd")
    assert "config.json" in reason("hf-no-config")
    assert "NaN" in reason("hf-nan") and "NaN" in reason("ckpt-nan")
    assert "lm_head" in reason("hf-untied")
    assert "missing tensors" in reason("hf-missing-tensor")
    assert "shape" in reason("hf-wrong-shape")
    assert "shape" in reason("ckpt-huge") or "missing" in reason("ckpt-huge")


@pytest.mark.parametrize("bias", [True, False])
def test_expected_shapes_match_the_model(bias):
    config = GPTConfig(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=4, bias=bias)
    actual = untied_state_dict(GPT(config))
    assert expected_shapes(config) == {k: tuple(v.shape) for k, v in actual.items()}


DRIVER = r"""
import contextlib, io, json, sys, traceback, warnings
warnings.simplefilter("always")  # every warning a run prints counts against "one line"
from studio.cli.main import main
results = {}
for case, path in json.loads(sys.argv[1]).items():
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(["generate", "--model", path, "--prompt", "x"])
        except SystemExit as e:
            rc = e.code
        except BaseException:
            traceback.print_exc()
            rc = None
    results[case] = {"rc": rc, "stderr": err.getvalue()}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def cli_results(bad) -> dict:
    """The CLI on every case, in one process (one torch import instead of dozens)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps({c: str(p) for c, p in bad.items()})],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_2_with_one_line(bad, cli_results, marker, case):
    result = cli_results[case]
    stderr = result["stderr"]
    assert result["rc"] == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("aigc-studio: error:")
    assert bad[case].name in lines[0]
    assert not marker.exists()


def test_cli_as_a_real_process(bad, marker):
    """The exact command a person runs, on the hostile checkpoint (the driver covers the rest)."""
    case = "ckpt-payload"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "studio", "generate", "--model", str(bad[case]), "--prompt", "x"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("aigc-studio: error:")
    assert not marker.exists()
