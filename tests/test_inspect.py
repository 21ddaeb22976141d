"""inspect_step: a past token's attention and logit lens, recomputed on the context the run read.
Attention against transformers' own (output_attentions=True on the same weights), the lens's last
depth against the probabilities the run reported, and the data crossing the engine's wire."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import tiny_char_model

from studio.benchmarks.text import to_transformers
from studio.core import wire
from studio.core.errors import SettingsError
from studio.core.events import TokenEvent
from studio.core.inspection import Inspection
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.networks.inspection import Inspectable
from studio.engine.text.generation import generate_text
from studio.engine.text.inspect import inspect_step
from studio.engine.text.step_context import step_context
from studio.settings import GenerationSettings, SamplingSettings


@pytest.fixture(scope="module")
def tiny():
    # 3 layers of 2 heads, a 16-token window: runs of 40 tokens go well past it
    return tiny_char_model(seed=3, block_size=16, n_layer=3)


def run(loaded, prompt: str, context: str, n: int = 40) -> tuple:
    settings = GenerationSettings(
        sampling=SamplingSettings(temperature=1.0), max_new_tokens=n, seed=9, context=context
    )
    events = [e for e in generate_text(loaded, prompt, settings) if isinstance(e, TokenEvent)]
    return settings, events


def eager_transformers(model: GPT):
    hf = to_transformers(model)
    # the explicit softmax, whose weights transformers returns (sdpa returns none)
    if hasattr(hf, "set_attn_implementation"):
        hf.set_attn_implementation("eager")
    else:  # older transformers
        hf.config._attn_implementation = "eager"
    return hf


@pytest.mark.parametrize("context", ["slide", "shift"])
def test_attention_is_transformers_own_on_the_context_the_run_read(tiny, context):
    settings, events = run(tiny, "hello", context)
    ids = [e.id for e in events]
    hf = eager_transformers(tiny.model)
    for step in (0, 7, 11, 12, 25, 39):  # inside the window, at and after rebuilds
        found = inspect_step(tiny, "hello", ids[: step + 1], settings, what=("attention",))
        ctx = step_context(tiny, "hello", ids[: step + 1], settings)
        read = ctx.ids[ctx.start : ctx.end]
        assert [t.id for t in found.context] == read and found.lens is None
        w = found.attention.weights
        assert w.shape == (3, 2, len(read)) and w.dtype == np.float32
        np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-5)  # every row sums to 1
        with torch.inference_mode():
            out = hf(torch.tensor([read]), output_attentions=True)
        reference = np.stack([a[0, :, -1, :].numpy() for a in out.attentions])  # (L, H, T)
        np.testing.assert_allclose(w, reference, atol=1e-5)


def test_context_tokens_say_which_generated_token_they_are(tiny):
    settings, events = run(tiny, "hello", "shift", n=30)
    ids = [e.id for e in events]
    found = inspect_step(tiny, "hello", ids[:3], settings)
    assert [t.step for t in found.context] == [-1] * 5 + [0, 1]
    assert "".join(t.text for t in found.context) == "hello" + events[0].text + events[1].text
    assert (found.chosen.id, found.chosen.step, found.chosen.text) == (ids[2], 2, events[2].text)
    late = inspect_step(tiny, "hello", ids, settings)  # past the window: the prompt is gone
    assert all(t.step >= 0 for t in late.context) and late.context[-1].step == 28


@pytest.mark.parametrize("context", ["slide", "shift"])
def test_the_lens_last_depth_is_the_distribution_the_run_sampled(tiny, context):
    settings, events = run(tiny, "the ", context)
    ids = [e.id for e in events]
    for e in events:
        lens = inspect_step(tiny, "the ", ids[: e.step + 1], settings, what=("lens",)).lens
        assert [x.layer for x in lens.layers] == [0, 1, 2, 3]
        last = lens.layers[-1]
        assert math.isclose(last.chosen_prob, e.model_prob, rel_tol=1e-4, abs_tol=1e-7)
        reported = {c.id: c.model_prob for c in e.top}
        for c in last.top:
            assert c.prob == c.model_prob
            if c.id in reported:
                assert math.isclose(c.prob, reported[c.id], rel_tol=1e-4)
        for x in lens.layers:
            assert len(x.top) == 5 and [c.prob for c in x.top] == sorted(
                (c.prob for c in x.top), reverse=True
            )
            assert (x.chosen_rank == 1) == (x.top[0].id == e.id or x.top[0].prob == x.chosen_prob)
        leading = [x.layer for x in lens.layers if x.chosen_rank == 1]
        assert lens.first_on_top == (leading[0] if leading else None)


def test_each_lens_depth_is_the_final_norm_and_unembedding_of_that_residual(tiny):
    settings, events = run(tiny, "fox", "slide", n=6)
    ids = [e.id for e in events]
    lens = inspect_step(tiny, "fox", ids, settings, what=("lens",)).lens
    read = torch.tensor([tiny.tokenizer.encode("fox") + ids[:-1]])
    m = tiny.model
    with torch.inference_mode():
        T = read.shape[1]
        x = m.transformer.wte(read) + m.transformer.wpe(torch.arange(T))
        streams = [x[0, -1]]
        for block in m.transformer.h:
            x = block(x)
            streams.append(x[0, -1])
        for depth, r in enumerate(streams):
            probs = m.lm_head(m.transformer.ln_f(r)).softmax(-1)
            got = lens.layers[depth]
            assert math.isclose(got.chosen_prob, float(probs[ids[-1]]), rel_tol=1e-4)
            assert [c.id for c in got.top] == torch.topk(probs, 5).indices.tolist()


def test_the_trace_gives_the_forward_passs_logits(tiny):
    m = tiny.model
    assert isinstance(m, Inspectable)
    idx = torch.randint(0, m.config.vocab_size, (1, 16), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        trace = m.trace(idx)
        logits = m(idx)[:, -1]
        read = m.read_out(trace.residuals[-1])
    assert len(trace.residuals) == 4 and len(trace.attention) == 3
    torch.testing.assert_close(trace.logits, logits, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(read, logits, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="context window"):
        m.trace(torch.zeros(1, 17, dtype=torch.long))


def test_a_gpt2_shaped_model_with_more_heads_matches_transformers_too():
    torch.manual_seed(0)
    m = GPT(GPTConfig(block_size=64, vocab_size=97, n_layer=2, n_head=4, n_embd=48)).eval()
    hf = eager_transformers(m)
    idx = torch.randint(0, 97, (1, 40))
    with torch.inference_mode():
        trace = m.trace(idx)
        out = hf(idx, output_attentions=True)
    for ours, theirs in zip(trace.attention, out.attentions, strict=True):
        torch.testing.assert_close(ours, theirs[:, :, -1, :], atol=1e-5, rtol=1e-4)


def test_bad_requests_are_settings_errors(tiny):
    settings = GenerationSettings()
    with pytest.raises(SettingsError, match="inspect what"):
        inspect_step(tiny, "hi", [3], settings, what=("entrails",))
    with pytest.raises(SettingsError, match="inspect what"):
        inspect_step(tiny, "hi", [3], settings, what=())
    with pytest.raises(SettingsError, match="no token"):
        inspect_step(tiny, "hi", [], settings)
    with pytest.raises(SettingsError, match="must lie in"):
        inspect_step(tiny, "hi", [10_000], settings)


def test_an_inspection_crosses_the_wire_as_plain_data(tiny):
    settings, events = run(tiny, "hello", "shift", n=5)
    found = inspect_step(tiny, "hello", [e.id for e in events], settings)
    step, back = wire.loads(wire.dumps(("inspected", 4, found))[4:])[1:]
    assert step == 4 and isinstance(back, Inspection)
    np.testing.assert_array_equal(back.attention.weights, found.attention.weights)
    assert back.lens == found.lens and back.context == found.context
    d = found.to_dict()
    assert np.asarray(d["attention"]).shape == found.attention.weights.shape
    assert d["lens"]["layers"][-1]["chosen_prob"] == found.lens.layers[-1].chosen_prob
    # the head average of one layer, and of all layers, from the map's own rows
    a = found.attention
    np.testing.assert_allclose(a.row(1), a.weights[1].mean(axis=0))
    np.testing.assert_allclose(a.row(1, 0), a.weights[1, 0])
    np.testing.assert_allclose(a.row().sum(), 1.0, atol=1e-5)
