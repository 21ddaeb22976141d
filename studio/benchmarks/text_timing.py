"""Timing helpers of `aigc-studio bench text` (benchmarks/text.py, text_llama.py): runs raced in
turns, greedy generation by our engine and by transformers, time to first token, and the
machine's memory bandwidth."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from studio.core.events import DoneEvent, TokenEvent
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.text.generation import generate_text
from studio.settings import GenerationSettings, SamplingSettings


@dataclass
class Timed:
    seconds: float  # the best wall time
    ids: list[int]  # the tokens that run produced


def race(fns: dict[str, Callable[[], list[int]]], repeats: int) -> dict[str, Timed]:
    """Best wall time of each function, run in turns (a, b, a, b, ...) after one warm-up each, so
    that a change in the machine's load during the run affects all of them alike."""
    ids = {name: fn() for name, fn in fns.items()}  # warm-up: allocator, threads, lazy init
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            ids[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return {name: Timed(best[name], ids[name]) for name in fns}


def greedy(n: int) -> GenerationSettings:
    return GenerationSettings(
        sampling=SamplingSettings(temperature=0.0), max_new_tokens=n, seed=0, ignore_eos=True
    )


def generate_fn(loaded: LoadedModel, ids: list[int], n: int) -> Callable[[], list[int]]:
    """generate_text with its default events (5 alternatives per token), greedy, n tokens."""
    prompt = loaded.tokenizer.decode(ids)
    settings = greedy(n)

    def go() -> list[int]:
        return [e.id for e in generate_text(loaded, prompt, settings) if isinstance(e, TokenEvent)]

    return go


def hf_fn(hf: torch.nn.Module, ids: list[int], n: int) -> Callable[[], list[int]]:
    """transformers' generate(), greedy, exactly n new tokens, its default (dynamic) KV cache."""
    x = torch.tensor([ids])
    mask = torch.ones_like(x)

    def go() -> list[int]:
        with torch.inference_mode():
            # no EOS in its config, so it makes exactly n tokens
            out = hf.generate(x, attention_mask=mask, max_new_tokens=n, do_sample=False)
        return out[0, len(ids) :].tolist()

    return go


def time_to_first_token(
    loaded: LoadedModel, hf: torch.nn.Module, ids: list[int], repeats: int
) -> tuple[float, float]:
    """Milliseconds to the first new token after a long prompt: ours (as its DoneEvent reports,
    from the call to the first token), transformers' (a whole generate() of one token)."""
    prompt = loaded.tokenizer.decode(ids)
    hf_one = hf_fn(hf, ids, 1)
    ours, theirs = [], []
    for _ in range(repeats + 1):  # the first round warms up
        done = [e for e in generate_text(loaded, prompt, greedy(1)) if isinstance(e, DoneEvent)]
        ours.append(done[0].ttft_ms)
        theirs.append(seconds(hf_one) * 1000)
    return min(ours[1:]), min(theirs[1:])


def read_bandwidth(mb: int) -> float:
    """Bytes/s of reading a tensor far larger than the caches (a sum: one read, no write)."""
    x = torch.ones(mb * 2**20 // 4)
    x.sum()
    best = min(seconds(x.sum) for _ in range(5))
    return x.numel() * 4 / best


def copy_bandwidth(mb: int) -> float:
    """Bytes/s moved by a large copy (read + write, counted both)."""
    x = torch.ones(mb * 2**20 // 4)
    y = torch.empty_like(x)
    y.copy_(x)
    best = min(seconds(lambda: y.copy_(x)) for _ in range(5))
    return 2 * x.numel() * 4 / best


def seconds(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t
