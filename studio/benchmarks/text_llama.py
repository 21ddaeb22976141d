"""`aigc-studio bench text`'s Llama-family rows: a SmolLM2-135M-shaped and a Qwen2.5-0.5B-shaped
model with random weights, opened from a folder written by transformers' `save_pretrained`.

For each: tokens/s of our `generate_text` (all events, greedy) in float32 against transformers'
`generate()` on the same folder (greedy, same thread count, same new tokens), our int8 against our
float32, the memory-bandwidth bound (weight bytes a decoding step reads / the machine's read
bandwidth, measured in the same run) and the share of it reached, and the time to the first token
after a 500-token prompt. Ratios are of runs made in turns in the same process, so a change of
load on the machine during the run falls on both sides alike.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from studio.benchmarks.text_timing import (
    generate_fn,
    greedy,
    hf_fn,
    race,
    read_bandwidth,
    time_to_first_token,
)
from studio.core.events import DoneEvent
from studio.engine.formats.model_finder import load_model
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.text.generation import generate_text
from studio.engine.tokenizers import CharTokenizer

TARGETS = {"smollm2_f32_vs_hf": 1.5, "int8_vs_f32": 1.8}


@dataclass(frozen=True)
class Shape:
    name: str
    family: str  # "llama" | "qwen2"
    layers: int
    dim: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int
    tokens: int  # new tokens per timed run
    repeats: int
    ttft_repeats: int


SMOLLM2 = Shape("SmolLM2-135M shape", "llama", 30, 576, 9, 3, 1536, 49152, 48, 3, 2)
QWEN25 = Shape("Qwen2.5-0.5B shape", "qwen2", 24, 896, 14, 2, 4864, 151936, 16, 2, 1)
QUICK = Shape("tiny Llama (--quick)", "llama", 2, 64, 4, 2, 128, 512, 6, 1, 1)


def write_folder(shape: Shape, folder: Path, seed: int = 0) -> Path:
    """A float32 folder of random weights (std 0.02, as transformers initialises) and a minimal
    byte-level tokenizer.json (the bench gives the model a synthetic vocabulary of its own)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    common = dict(
        vocab_size=shape.vocab,
        hidden_size=shape.dim,
        intermediate_size=shape.ffn,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        tie_word_embeddings=True,  # as both real models
        bos_token_id=None,
        eos_token_id=None,
    )
    if shape.family == "qwen2":
        config = Qwen2Config(
            **common, max_position_embeddings=32768, rope_theta=1e6, rms_norm_eps=1e-6
        )
        cls = Qwen2ForCausalLM
    else:
        config = LlamaConfig(
            **common, max_position_embeddings=8192, rope_theta=1e5, rms_norm_eps=1e-5
        )
        cls = LlamaForCausalLM
    torch.manual_seed(seed)
    model = cls(config).eval()
    model.save_pretrained(folder, safe_serialization=True)
    del model
    tok = Tokenizer(models.BPE(vocab={chr(0x100 + i): i for i in range(256)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.save(str(folder / "tokenizer.json"))
    (folder / "generation_config.json").write_text(json.dumps({}), encoding="utf-8")
    return folder


def synthetic_tokenizer(vocab: int) -> CharTokenizer:
    """Token i is one distinct character (skipping the surrogates), so any id decodes."""
    chars = [chr(0x100 + i if 0x100 + i < 0xD800 else 0x900 + i) for i in range(vocab)]
    return CharTokenizer(chars)


def weight_bytes_per_token(loaded: LoadedModel) -> int:
    """Bytes a decoding step reads: every weight once (a tied token table once, as the output
    layer; an untied one a row only)."""
    model = loaded.model
    total = weight_bytes(model)
    embed = model.model.embed_tokens
    if not model.config.tie_embeddings:
        w = embed.weight
        total -= w.numel() * w.element_size() - w.shape[1] * w.element_size()
    return total


def weight_bytes(model: torch.nn.Module) -> int:
    """Bytes of a network's weights, each storage once (tied tables, and the q/k/v layers that
    are views of one stacked matrix, share theirs)."""
    storages = {
        p.untyped_storage().data_ptr(): p.untyped_storage().nbytes() for p in model.parameters()
    }
    return sum(storages.values())


def _hf(folder: Path) -> torch.nn.Module:
    from transformers import AutoModelForCausalLM

    hf = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    hf.generation_config.pad_token_id = 0
    hf.generation_config.eos_token_id = None
    hf.generation_config.bos_token_id = None
    return hf


def _ours(folder: Path, dtype: str, vocab: int) -> LoadedModel:
    loaded = load_model(str(folder), "cpu", dtype)
    loaded.tokenizer = synthetic_tokenizer(vocab)
    return loaded


def measure_shape(shape: Shape, repeats: int | None = None, bandwidth_mb: int = 512) -> dict:
    """One row: ours float32 and int8 against transformers, bandwidth, time to first token."""
    repeats = shape.repeats if repeats is None else repeats
    g = torch.Generator().manual_seed(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(shape, Path(tmp) / "model")
        f32 = _ours(folder, "float32", shape.vocab)
        i8 = _ours(folder, "int8", shape.vocab)
        hf = _hf(folder)
    prompt = torch.randint(0, shape.vocab, (8,), generator=g).tolist()
    n = shape.tokens
    t = race(
        {
            "f32": generate_fn(f32, prompt, n),
            "int8": generate_fn(i8, prompt, n),
            "hf": hf_fn(hf, prompt, n),
        },
        repeats,
    )
    bandwidth = read_bandwidth(bandwidth_mb)
    f32_bytes, i8_bytes = weight_bytes_per_token(f32), weight_bytes_per_token(i8)
    tok_s = {k: n / v.seconds for k, v in t.items()}
    long_prompt = torch.randint(0, shape.vocab, (500,), generator=g).tolist()
    ttft_f32, ttft_hf = time_to_first_token(f32, hf, long_prompt, shape.ttft_repeats)
    ttft_i8 = _ttft_ours(i8, long_prompt, shape.ttft_repeats)
    same = sum(a == b for a, b in zip(t["f32"].ids, t["hf"].ids, strict=True))
    same_i8 = sum(a == b for a, b in zip(t["f32"].ids, t["int8"].ids, strict=True))
    return {
        "shape": shape.name,
        "config": {k: v for k, v in vars(shape).items() if k not in ("name",)},
        "new_tokens": n,
        "f32_tok_s": tok_s["f32"],
        "int8_tok_s": tok_s["int8"],
        "hf_tok_s": tok_s["hf"],
        "f32_vs_hf": t["hf"].seconds / t["f32"].seconds,
        "int8_vs_hf": t["hf"].seconds / t["int8"].seconds,
        "int8_vs_f32": t["f32"].seconds / t["int8"].seconds,
        "f32_weight_bytes_per_token": f32_bytes,
        "int8_weight_bytes_per_token": i8_bytes,
        "read_bandwidth_gb_s": bandwidth / 1e9,
        "f32_bound_tok_s": bandwidth / f32_bytes,
        "int8_bound_tok_s": bandwidth / i8_bytes,
        "f32_share_of_bound": tok_s["f32"] * f32_bytes / bandwidth,
        "int8_share_of_bound": tok_s["int8"] * i8_bytes / bandwidth,
        "hf_share_of_bound": tok_s["hf"] * f32_bytes / bandwidth,
        "ttft_500_ms": {"f32": ttft_f32, "int8": ttft_i8, "hf": ttft_hf},
        "greedy_tokens_equal_hf": f"{same}/{n}",
        "greedy_tokens_int8_equal_f32": f"{same_i8}/{n}",
    }


def _ttft_ours(loaded: LoadedModel, ids: list[int], repeats: int) -> float:
    prompt = loaded.tokenizer.decode(ids)
    times = []
    for _ in range(repeats + 1):  # the first warms up
        done = [e for e in generate_text(loaded, prompt, greedy(1)) if isinstance(e, DoneEvent)]
        times.append(done[0].ttft_ms)
    return min(times[1:])


def measure_llama_rows(quick: bool) -> list[dict]:
    shapes = [QUICK] if quick else [SMOLLM2, QWEN25]
    rows = []
    for shape in shapes:
        rows.append(measure_shape(shape, bandwidth_mb=32 if quick else 512))
        rows[-1]["targets"] = TARGETS
    return rows


def format_llama_rows(rows: list[dict]) -> str:
    out = []
    for r in rows:
        c = r["config"]
        head = f"{r['shape']} {c['layers']}x{c['dim']}, vocab {c['vocab']}"
        ttft = r["ttft_500_ms"]
        out += [
            f"{head:<40}{'float32 generate_text':<26}{r['f32_tok_s']:>8.1f} tok/s   "
            f"{r['f32_vs_hf']:.2f}x transformers (target {TARGETS['smollm2_f32_vs_hf']:g}x "
            "for SmolLM2)",
            f"{'':<40}{'int8 generate_text':<26}{r['int8_tok_s']:>8.1f} tok/s   "
            f"{r['int8_vs_f32']:.2f}x our float32 (target {TARGETS['int8_vs_f32']:g}x), "
            f"{r['int8_vs_hf']:.2f}x transformers",
            f"{'':<40}{'transformers generate()':<26}{r['hf_tok_s']:>8.1f} tok/s",
            f"{'':<40}{'bandwidth bound':<26}{r['f32_bound_tok_s']:>8.1f} tok/s   float32 "
            f"({r['f32_weight_bytes_per_token'] / 1e6:.0f} MB/token): ours reached "
            f"{100 * r['f32_share_of_bound']:.0f}%, transformers "
            f"{100 * r['hf_share_of_bound']:.0f}%",
            f"{'':<40}{'':<26}{r['int8_bound_tok_s']:>8.1f} tok/s   int8 "
            f"({r['int8_weight_bytes_per_token'] / 1e6:.0f} MB/token): reached "
            f"{100 * r['int8_share_of_bound']:.0f}% (read {r['read_bandwidth_gb_s']:.1f} GB/s)",
            f"{'':<40}first token after 500 tokens: float32 {ttft['f32']:.0f} ms, int8 "
            f"{ttft['int8']:.0f} ms, transformers {ttft['hf']:.0f} ms; greedy tokens equal to "
            f"transformers {r['greedy_tokens_equal_hf']}, int8 equal to float32 "
            f"{r['greedy_tokens_int8_equal_f32']}",
        ]
    return "\n".join(out)
