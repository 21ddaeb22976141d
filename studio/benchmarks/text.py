"""`aigc-studio bench text`: our text generation against transformers, on identical weights, in one run.

Everything is greedy, on the CPU, with torch.set_num_threads(2), and random weights (speed does not
depend on what the weights learned). Measured:

(a) a tiny character model (6 layers, width 192, 6 heads, vocabulary 65, window 256): tokens/s of
    `generate_text` (the full event stream the CLI and the window consume) against
    transformers' GPT2LMHeadModel.generate() holding the same weights, and against plain loops over
    our model without events (forward() with the KV cache, and the bare decoding step);
(b) GPT-2 small's shape (12 x 768, vocabulary 50257, window 1024, float32) against transformers, and
    the fraction of the memory-bandwidth bound reached: a decoding step reads every weight once, so
    tokens/s can at best be (read bandwidth) / (weight bytes), bandwidth measured here by summing a
    tensor much larger than the caches;
(c) cached against uncached decoding (a full forward over the window every step, as nanoGPT's
    sampler) for 256 new tokens on the tiny model;
(d) time to first token for a 200-token prompt;
(e) the bundled model on each thread count and on the default choice, with 0, 1 and 2 busy
    processes beside it (benchmarks/text_under_load.py);
(f) SmolLM2-135M's and Qwen2.5-0.5B's shapes, float32 and int8 (benchmarks/text_llama.py).
`--rows gpt|llama` runs (a)-(e) or (f) alone.

Times are the best of a few repeats after a warm-up; tokens/s = new tokens / wall time of the call
that produced them (prompt included; prompts are short except in (d)).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from dataclasses import dataclass

import torch

from studio.benchmarks.text_timing import (
    copy_bandwidth,
    generate_fn,
    hf_fn,
    race,
    read_bandwidth,
    time_to_first_token,
)
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.tokenizers import CharTokenizer

THREADS = 2
# tinyshakespeare's 65 characters, so the tiny model looks like the one the studio ships
SHAKESPEARE_CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TARGETS = {"tiny_vs_hf": 4.0, "gpt2_vs_hf": 1.5, "cached_vs_uncached": 5.0}


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or a smoke test (--quick) that finishes in seconds."""

    tiny_tokens: int
    gpt2_config: GPTConfig
    gpt2_tokens: int
    cache_tokens: int
    prompt_tokens: int
    repeats: int
    bandwidth_mb: int
    threads: int  # the measurement uses 2; the smoke test 1, to stay quick on a busy machine


FULL = Plan(
    tiny_tokens=240,  # with the 7-token prompt, inside the 256-token window
    gpt2_config=GPTConfig(block_size=1024, vocab_size=50257, n_layer=12, n_head=12, n_embd=768),
    gpt2_tokens=64,
    cache_tokens=256,
    prompt_tokens=200,
    repeats=3,
    bandwidth_mb=512,
    threads=THREADS,
)
QUICK = Plan(
    tiny_tokens=16,
    gpt2_config=GPTConfig(block_size=256, vocab_size=2048, n_layer=2, n_head=4, n_embd=128),
    gpt2_tokens=6,
    cache_tokens=16,
    prompt_tokens=200,
    repeats=1,
    bandwidth_mb=32,
    threads=1,
)
TINY = GPTConfig(block_size=256, vocab_size=65, n_layer=6, n_head=6, n_embd=192)


def run(args: argparse.Namespace) -> int:
    """Measure, then print a table (or one JSON object with --json). Returns the exit status."""
    plan = QUICK if args.quick else FULL
    rows = getattr(args, "rows", "all")
    old_threads = torch.get_num_threads()
    torch.set_num_threads(plan.threads)
    try:
        results = measure(plan) if rows != "llama" else {"machine": machine()}
        if rows != "gpt":  # (f) the Llama family, float32 and int8 (benchmarks/text_llama.py)
            from studio.benchmarks.text_llama import measure_llama_rows

            results["llama"] = measure_llama_rows(args.quick)
    finally:
        torch.set_num_threads(old_threads)
    results["quick"] = bool(args.quick)
    if not args.quick and rows != "llama":  # (e) needs seconds of busy processes
        from studio.benchmarks.text_under_load import measure_under_load
        from studio.engine.formats.model_finder import load_model

        results["under_load"] = measure_under_load(load_model("shakespeare", device="cpu"))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_table(results))
    return 0


def machine() -> dict:
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    return {
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }


def measure(plan: Plan) -> dict:
    results: dict = {"machine": machine()}
    g = torch.Generator().manual_seed(0)

    # (a) the tiny model
    tiny = _loaded(TINY, CharTokenizer(list(SHAKESPEARE_CHARS)), seed=0)
    hf_tiny = to_transformers(tiny.model)
    prompt = tiny.tokenizer.encode("ROMEO:\n")
    n = plan.tiny_tokens
    t = race(
        {
            "ours": generate_fn(tiny, prompt, n),
            "hf": hf_fn(hf_tiny, prompt, n),
            "plain": lambda: _cached_loop(tiny.model, prompt, n, bare=False),
            "bare": lambda: _cached_loop(tiny.model, prompt, n, bare=True),
        },
        plan.repeats,
    )
    ours, hf, plain, bare = t["ours"], t["hf"], t["plain"], t["bare"]
    results["tiny"] = {
        "config": TINY.to_dict(),
        "new_tokens": n,
        "ours_tok_s": n / ours.seconds,
        "hf_tok_s": n / hf.seconds,
        "plain_cached_loop_tok_s": n / plain.seconds,
        "decoder_loop_tok_s": n / bare.seconds,
        "ratio_vs_hf": hf.seconds / ours.seconds,
        "target_ratio_vs_hf": TARGETS["tiny_vs_hf"],
        "same_tokens_as_hf": ours.ids == hf.ids,
        "max_logit_difference_vs_hf": _logit_difference(tiny.model, hf_tiny, prompt),
    }

    # (c) cached against uncached, on the tiny model: one start token, so the window just fits
    start = prompt[:1]
    n = plan.cache_tokens
    t = race(
        {
            "cached": generate_fn(tiny, start, n),
            "uncached": lambda: _uncached_loop(tiny.model, start, n),
        },
        max(1, plan.repeats - 1),
    )
    cached, uncached = t["cached"], t["uncached"]
    results["cache"] = {
        "model": "tiny",
        "new_tokens": n,
        "cached_tok_s": n / cached.seconds,
        "uncached_tok_s": n / uncached.seconds,
        "speedup": uncached.seconds / cached.seconds,
        "target_speedup": TARGETS["cached_vs_uncached"],
        "same_tokens": cached.ids == uncached.ids,
    }

    # (d) time to first token, tiny model
    long_prompt = torch.randint(0, TINY.vocab_size, (plan.prompt_tokens,), generator=g).tolist()
    tiny_ours_ms, tiny_hf_ms = time_to_first_token(tiny, hf_tiny, long_prompt, plan.repeats)
    ttft = {
        "prompt_tokens": plan.prompt_tokens,
        "tiny_ours_ms": tiny_ours_ms,
        "tiny_hf_ms": tiny_hf_ms,
    }
    del hf_tiny

    # (b) GPT-2 small's shape
    cfg = plan.gpt2_config
    # a synthetic vocabulary of distinct characters: token i is chr(0x100 + i), below surrogates
    big = _loaded(cfg, CharTokenizer([chr(0x100 + i) for i in range(cfg.vocab_size)]), seed=1)
    hf_big = to_transformers(big.model)
    prompt = torch.randint(0, cfg.vocab_size, (8,), generator=g).tolist()
    n = plan.gpt2_tokens
    t = race({"ours": generate_fn(big, prompt, n), "hf": hf_fn(hf_big, prompt, n)}, plan.repeats)
    ours, hf = t["ours"], t["hf"]
    weight_bytes = _weight_bytes_per_token(big.model)
    bandwidth = read_bandwidth(plan.bandwidth_mb)
    bound = bandwidth / weight_bytes
    results["gpt2"] = {
        "config": cfg.to_dict(),
        "dtype": "float32",
        "new_tokens": n,
        "ours_tok_s": n / ours.seconds,
        "hf_tok_s": n / hf.seconds,
        "ratio_vs_hf": hf.seconds / ours.seconds,
        "target_ratio_vs_hf": TARGETS["gpt2_vs_hf"],
        "same_tokens_as_hf": ours.ids == hf.ids,
        "weight_bytes_per_token": weight_bytes,
        "read_bandwidth_gb_s": bandwidth / 1e9,
        "copy_bandwidth_gb_s": copy_bandwidth(plan.bandwidth_mb) / 1e9,
        "bandwidth_bound_tok_s": bound,
        "fraction_of_bandwidth_bound": (n / ours.seconds) / bound,
        "hf_fraction_of_bandwidth_bound": (n / hf.seconds) / bound,
    }
    long_prompt = torch.randint(0, cfg.vocab_size, (plan.prompt_tokens,), generator=g).tolist()
    ttft["gpt2_ours_ms"], ttft["gpt2_hf_ms"] = time_to_first_token(
        big, hf_big, long_prompt, plan.repeats
    )
    results["ttft"] = ttft
    return results


# -- models ---------------------------------------------------------------------------------------


def _loaded(cfg: GPTConfig, tok: CharTokenizer, seed: int) -> LoadedModel:
    torch.manual_seed(seed)
    model = GPT(cfg).eval()
    card = {"name": "bench", "kind": "text-gpt", "architecture": cfg.to_dict()}
    return LoadedModel("bench", "", "text-gpt", card, model, tok)


def to_transformers(model: GPT) -> torch.nn.Module:
    """transformers' GPT2LMHeadModel holding exactly our weights (Conv1D stores them (in, out))."""
    from transformers import GPT2Config, GPT2LMHeadModel

    c = model.config
    if not c.bias:
        raise ValueError("transformers' GPT-2 always has biases")
    hc = GPT2Config(
        vocab_size=c.vocab_size,
        n_positions=c.block_size,
        n_embd=c.n_embd,
        n_layer=c.n_layer,
        n_head=c.n_head,
        activation_function="gelu_new",
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        layer_norm_epsilon=c.layer_norm_epsilon,
        bos_token_id=None,
        eos_token_id=None,  # never stop early: both engines make exactly max_new_tokens
        pad_token_id=0,
    )
    # skip the random init of a model that is about to be overwritten (seconds for GPT-2 small)
    with torch.device("meta"):
        hf = GPT2LMHeadModel(hc)
    hf = hf.to_empty(device="cpu")
    conv1d = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
    ours = model.state_dict()
    state = {}
    for name in hf.state_dict():
        t = ours[name]
        state[name] = t.t().contiguous() if name.endswith(conv1d) else t.contiguous()
    hf.load_state_dict(state, strict=True)
    hf.tie_weights()
    hf.eval()
    hf.generation_config.pad_token_id = 0
    hf.generation_config.eos_token_id = None
    hf.generation_config.bos_token_id = None
    return hf


def _logit_difference(model: GPT, hf: torch.nn.Module, ids: list[int]) -> float:
    x = torch.tensor([ids])
    with torch.inference_mode():
        return float((model(x) - hf(x).logits).abs().max())


def _weight_bytes_per_token(model: GPT) -> int:
    """Bytes a decoding step reads: every weight once (the tied embedding once, as the output
    layer), except the position table, of which it reads one row."""
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    wpe = model.transformer.wpe.weight
    return total - wpe.numel() * wpe.element_size() + wpe.size(1) * wpe.element_size()


# -- timing ---------------------------------------------------------------------------------------


def _cached_loop(model: GPT, ids: list[int], n: int, bare: bool) -> list[int]:
    """Greedy with the KV cache and nothing else: no events, no probabilities, no text."""
    out = []
    with torch.inference_mode():
        cache = model.new_cache(1)
        logits = model(torch.tensor([ids]), cache, last_only=True)[:, -1]  # (1, V)
        step = model.decoder(cache) if bare else None
        for i in range(n):
            nxt = logits.argmax(dim=-1)  # (1,)
            out.append(int(nxt))
            if i == n - 1:
                break
            logits = step(nxt) if step else model(nxt.view(1, 1), cache, last_only=True)[:, -1]
    return out


def _uncached_loop(model: GPT, ids: list[int], n: int) -> list[int]:
    """nanoGPT's sampler, greedy: the last block_size tokens through a full forward every step."""
    seq = list(ids)
    block = model.config.block_size
    with torch.inference_mode():
        for _ in range(n):
            logits = model(torch.tensor([seq[-block:]]))[0, -1]  # (V,)
            seq.append(int(logits.argmax()))
    return seq[len(ids) :]


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# -- output ---------------------------------------------------------------------------------------


def format_table(r: dict) -> str:
    m = r["machine"]
    head = (
        f"greedy decoding, {m['device']} ({m['cpu']}, {m['cpu_count']} cores), {m['threads']} "
        f"threads; torch {m['torch']}, "
        f"transformers {m['transformers']}{'  (--quick: smoke test sizes)' if r['quick'] else ''}"
    )
    llama = []
    if "llama" in r:
        from studio.benchmarks.text_llama import format_llama_rows

        llama = ["", format_llama_rows(r["llama"])]
    if "tiny" not in r:
        return "\n".join([head, *llama])
    t, g, c, f = r["tiny"], r["gpt2"], r["cache"], r["ttft"]
    gc = g["config"]
    rows = [
        head,
        "",
        f"{'':<30}{'':<34}{'tokens/s':>10}   ratio",
        f"{'tiny 6x192, vocab 65':<30}{'generate_text (all events)':<34}{t['ours_tok_s']:>10.1f}"
        f"   {t['ratio_vs_hf']:.2f}x transformers (target {t['target_ratio_vs_hf']:g}x)",
        f"{'':<30}{'decoding-step loop, no events':<34}{t['decoder_loop_tok_s']:>10.1f}",
        f"{'':<30}{'forward() loop with KV cache':<34}{t['plain_cached_loop_tok_s']:>10.1f}",
        f"{'':<30}{'transformers generate()':<34}{t['hf_tok_s']:>10.1f}",
        f"{'GPT-2 small shape ' + str(gc['n_layer']) + 'x' + str(gc['n_embd']):<30}"
        f"{'generate_text (all events)':<34}{g['ours_tok_s']:>10.1f}"
        f"   {g['ratio_vs_hf']:.2f}x transformers (target {g['target_ratio_vs_hf']:g}x)",
        f"{'  float32, vocab ' + str(gc['vocab_size']):<30}{'transformers generate()':<34}"
        f"{g['hf_tok_s']:>10.1f}",
        f"{'':<30}{'memory-bandwidth bound':<34}{g['bandwidth_bound_tok_s']:>10.1f}"
        f"   reached {100 * g['fraction_of_bandwidth_bound']:.0f}% "
        f"({g['weight_bytes_per_token'] / 1e6:.0f} MB of weights per token, "
        f"read {g['read_bandwidth_gb_s']:.1f} GB/s)",
        f"{'cached vs uncached, tiny':<30}{'generate_text, KV cache':<34}{c['cached_tok_s']:>10.1f}"
        f"   {c['speedup']:.1f}x (target {c['target_speedup']:g}x), {c['new_tokens']} new tokens",
        f"{'':<30}{'full forward every step':<34}{c['uncached_tok_s']:>10.1f}",
        "",
        f"time to first token, {f['prompt_tokens']}-token prompt: "
        f"tiny {f['tiny_ours_ms']:.1f} ms (transformers {f['tiny_hf_ms']:.1f} ms), "
        f"GPT-2 shape {f['gpt2_ours_ms']:.1f} ms (transformers {f['gpt2_hf_ms']:.1f} ms)",
        f"same greedy tokens as transformers: tiny {t['same_tokens_as_hf']}, "
        f"GPT-2 shape {g['same_tokens_as_hf']}; cached = uncached: {c['same_tokens']}",
    ]
    rows += llama
    if "under_load" in r:
        from studio.benchmarks.text_under_load import format_rows

        rows += ["", format_rows(r["under_load"])]
    return "\n".join(rows)
