"""generate_text: determinism, stopping, cancelling, the sliding window, and the numbers it reports."""

from __future__ import annotations

import math
import threading
import time

import pytest
import torch
from helpers import tiny_char_model

from studio.core.errors import SettingsError
from studio.core.events import DoneEvent, StartEvent, TokenEvent, WarningEvent
from studio.engine.formats.studio_file import LoadedModel, load_state_into, untied_state_dict
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.text.generation import _StopFilter, generate_text
from studio.engine.tokenizers import CharTokenizer
from studio.settings import GenerationSettings, SamplingSettings


@pytest.fixture(scope="module")
def tiny() -> LoadedModel:
    return tiny_char_model(seed=0, block_size=32)


def gen(loaded, prompt="hello", cancel=None, **kw) -> list:
    sampling = {
        k: kw.pop(k)
        for k in ("temperature", "top_k", "top_p", "min_p", "repetition_penalty")
        if k in kw
    }
    kw.setdefault("seed", 1)
    settings = GenerationSettings(sampling=SamplingSettings(**sampling), **kw)
    return list(generate_text(loaded, prompt, settings, cancel))


def tokens(events, sample=0) -> list[TokenEvent]:
    return [e for e in events if isinstance(e, TokenEvent) and e.sample == sample]


def done(events, sample=0) -> DoneEvent:
    return next(e for e in events if isinstance(e, DoneEvent) and e.sample == sample)


def ids(events, sample=0) -> list[int]:
    return [e.id for e in tokens(events, sample)]


def with_eos(loaded: LoadedModel, eos_char: str) -> LoadedModel:
    tok = CharTokenizer(loaded.tokenizer.chars, eos=eos_char)
    return LoadedModel("tiny", "", "text-gpt", loaded.card, loaded.model, tok)


# -- determinism ----------------------------------------------------------------------------------


def test_same_seed_gives_identical_events(tiny):
    a = gen(tiny, temperature=1.0, top_k=20, max_new_tokens=30, seed=7)
    b = gen(tiny, temperature=1.0, top_k=20, max_new_tokens=30, seed=7)
    assert tokens(a) == tokens(b)
    assert done(a).text == done(b).text and done(a).tokens == 30


def test_different_seeds_give_different_text(tiny):
    a = gen(tiny, temperature=1.0, max_new_tokens=30, seed=1)
    b = gen(tiny, temperature=1.0, max_new_tokens=30, seed=2)
    assert done(a).text != done(b).text


def test_sample_zero_of_a_batch_equals_a_single_run(tiny):
    kw = dict(temperature=0.9, top_p=0.95, max_new_tokens=25, seed=11)
    batch = gen(tiny, num_samples=3, **kw)
    single = gen(tiny, **kw)
    assert ids(batch, 0) == ids(single)
    assert done(batch, 0).text == done(single).text
    assert ids(batch, 1) != ids(batch, 0)  # the others draw from their own generators


def test_seed_is_drawn_and_reported_when_absent(tiny):
    events = gen(tiny, temperature=1.0, max_new_tokens=10, seed=None)
    start = events[0]
    assert isinstance(start, StartEvent) and isinstance(start.seed, int)
    again = gen(tiny, temperature=1.0, max_new_tokens=10, seed=start.seed)
    assert done(again).text == done(events).text


# -- stopping -------------------------------------------------------------------------------------


def test_max_new_tokens(tiny):
    events = gen(tiny, temperature=1.0, max_new_tokens=13)
    assert len(tokens(events)) == 13
    d = done(events)
    assert d.tokens == 13 and d.stop_reason == "length"
    assert "".join(e.text for e in tokens(events)) == d.text
    zero = gen(tiny, max_new_tokens=0)
    assert tokens(zero) == [] and done(zero).tokens == 0 and done(zero).text == ""


def test_stop_string_ends_the_text_before_it(tiny):
    free = done(gen(tiny, temperature=1.0, max_new_tokens=40, seed=3)).text
    stop = free[10:12]
    cut = free.index(stop)
    events = gen(tiny, temperature=1.0, max_new_tokens=40, seed=3, stop=(stop,))
    d = done(events)
    assert d.stop_reason == "stop"
    assert d.text == free[:cut]
    assert "".join(e.text for e in tokens(events)) == d.text
    # the token that started the stop string was held back, not shown and then taken back
    assert tokens(events)[cut].text == ""
    assert len(tokens(events)) == cut + 2


def test_stop_filter_holds_back_a_stop_string_split_across_pieces():
    f = _StopFilter(("XY",))
    assert f.push("ab") == ("ab", False)
    assert f.push("cX") == ("c", False)  # "X" might start "XY"
    assert f.push("Yd") == ("", True)
    assert f.released == "abc"
    g = _StopFilter(("XY", "long stop"))
    assert g.push("cX") == ("c", False)
    assert g.push("Z lon") == ("XZ ", False)  # false alarm released, "lon" held
    assert g.push("g") == ("", False)
    assert g.flush() == "long"


def test_stop_string_inside_the_prompt_does_not_stop(tiny):
    events = gen(tiny, prompt="hello", temperature=1.0, max_new_tokens=5, stop=("ell",))
    assert done(events).stop_reason in ("length", "stop")
    assert done(events).tokens >= 1


def test_eos_ends_generation_and_ignore_eos_continues(tiny):
    free = gen(tiny, temperature=1.0, max_new_tokens=30, seed=5)
    eos_char = done(free).text[6]
    first = done(free).text.index(eos_char)
    m = with_eos(tiny, eos_char)
    events = gen(m, temperature=1.0, max_new_tokens=30, seed=5)
    d = done(events)
    assert d.stop_reason == "eos"
    assert d.tokens == first + 1  # the EOS token counts, its text does not
    assert d.text == done(free).text[:first]
    assert "".join(e.text for e in tokens(events)) == d.text
    cont = gen(m, temperature=1.0, max_new_tokens=30, seed=5, ignore_eos=True)
    assert done(cont).stop_reason == "length" and done(cont).tokens == 30
    assert done(cont).text == done(free).text


def test_cancel_set_between_steps_stops_at_once(tiny):
    cancel = threading.Event()
    settings = GenerationSettings(max_new_tokens=500, seed=1)
    seen = []
    for e in generate_text(tiny, "hello", settings, cancel):
        seen.append(e)
        if isinstance(e, TokenEvent) and e.step == 4:
            cancel.set()
    d = done(seen)
    assert d.stop_reason == "cancelled" and d.tokens == 5
    assert "".join(e.text for e in tokens(seen)) == d.text


def test_cancel_from_another_thread_is_prompt():
    loaded = tiny_char_model(seed=0, block_size=16)  # slides: every step is a full forward
    cancel = threading.Event()
    settings = GenerationSettings(max_new_tokens=1_000_000, seed=1, context="slide")
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    t0 = time.perf_counter()
    events = list(generate_text(loaded, "hello", settings, cancel))
    elapsed = time.perf_counter() - t0
    timer.join()
    assert done(events).stop_reason == "cancelled"
    assert elapsed < 2.0


# -- the window -----------------------------------------------------------------------------------


def reference_greedy(model: GPT, ids: list[int], n: int) -> list[int]:
    """nanoGPT's sampler, greedy: crop to the last block_size tokens, full forward every step."""
    out = list(ids)
    with torch.no_grad():
        for _ in range(n):
            x = torch.tensor([out[-model.config.block_size :]])
            out.append(int(model(x)[0, -1].argmax()))
    return out[len(ids) :]


def reference_shift_greedy(model: GPT, ids: list[int], n: int) -> list[int]:
    """Context shift, greedy, without a cache: once the window is full, keep its newest half."""
    block = model.config.block_size
    window, out = list(ids[-block:]), []
    with torch.no_grad():
        for _ in range(n):
            nxt = int(model(torch.tensor([window]))[0, -1].argmax())
            out.append(nxt)
            window = window + [nxt] if len(window) < block else (window + [nxt])[-(block // 2) :]
    return out


@pytest.mark.parametrize("prompt", ["hello", "", "the quick brown fox jumps"])
def test_greedy_sliding_past_the_window_matches_the_naive_sampler(prompt):
    loaded = tiny_char_model(seed=2, block_size=16)
    events = gen(loaded, prompt=prompt, temperature=0, max_new_tokens=40, context="slide")
    start = loaded.tokenizer.encode(prompt) or loaded.tokenizer.encode("\n")
    assert ids(events) == reference_greedy(loaded.model, start, 40)


@pytest.mark.parametrize("prompt", ["hello", "", "the quick brown fox jumps"])
def test_greedy_shifting_past_the_window_matches_an_uncached_shift(prompt):
    loaded = tiny_char_model(seed=2, block_size=16)
    events = gen(loaded, prompt=prompt, temperature=0, max_new_tokens=40, context="shift")
    start = loaded.tokenizer.encode(prompt) or loaded.tokenizer.encode("\n")
    assert ids(events) == reference_shift_greedy(loaded.model, start, 40)


def test_shift_and_slide_agree_until_the_window_is_full():
    loaded = tiny_char_model(seed=2, block_size=16)
    shift = ids(
        gen(loaded, prompt="hello", temperature=0.9, max_new_tokens=40, seed=3, context="shift")
    )
    slide = ids(
        gen(loaded, prompt="hello", temperature=0.9, max_new_tokens=40, seed=3, context="slide")
    )
    # "hello" is 5 tokens: the first 12 draws see the same window either way
    assert shift[:12] == slide[:12]
    assert shift != slide


def test_unknown_context_mode_is_refused():
    with pytest.raises(SettingsError, match="context must be one of shift, slide"):
        GenerationSettings(context="wrap")


def test_long_prompt_is_cropped_from_the_left_with_a_warning():
    loaded = tiny_char_model(seed=2, block_size=16)
    prompt = "the quick brown fox jumps over the lazy dog"
    events = gen(loaded, prompt=prompt, temperature=0.8, max_new_tokens=20, seed=4)
    warnings = [e for e in events if isinstance(e, WarningEvent)]
    assert len(warnings) == 1 and "context window" in warnings[0].message
    assert events[0].prompt_tokens == len(prompt)
    cropped = gen(loaded, prompt=prompt[-16:], temperature=0.8, max_new_tokens=20, seed=4)
    assert not [e for e in cropped if isinstance(e, WarningEvent)]
    assert ids(events) == ids(cropped)


# -- the numbers ----------------------------------------------------------------------------------


def test_greedy_probabilities_are_a_point_mass(tiny):
    events = gen(tiny, temperature=0, max_new_tokens=10, top_n=4)
    prompt_ids = tiny.tokenizer.encode("hello")
    with torch.no_grad():
        first = tiny.model(torch.tensor([prompt_ids]))[0, -1].softmax(-1)
    for e in tokens(events):
        assert e.prob == 1.0 and e.entropy == 0.0
        assert e.top[0].id == e.id and e.top[0].prob == 1.0
        assert [c.prob for c in e.top[1:]] == [0.0, 0.0, 0.0]
        assert e.top[0].model_prob == e.model_prob
        mps = [c.model_prob for c in e.top]
        assert mps == sorted(mps, reverse=True)
    e0 = tokens(events)[0]
    assert e0.id == int(first.argmax())
    assert math.isclose(e0.model_prob, float(first.max()), rel_tol=1e-5)


@pytest.mark.parametrize(
    "sampling",
    [
        dict(temperature=1.0),
        dict(temperature=0.7, top_k=8),
        dict(temperature=1.3, top_p=0.8, repetition_penalty=1.2),
        dict(temperature=1.0, min_p=0.1),
    ],
)
def test_reported_probabilities_are_consistent(tiny, sampling):
    events = gen(tiny, max_new_tokens=25, top_n=5, **sampling)
    plain = sampling == dict(temperature=1.0)
    for e in tokens(events):
        assert 0.0 < e.prob <= 1.0 and 0.0 < e.model_prob <= 1.0
        assert e.entropy >= 0.0 and math.isfinite(e.entropy)
        assert len(e.top) == 5
        probs = [c.prob for c in e.top]
        assert probs == sorted(probs, reverse=True)
        assert sum(probs) <= 1.0 + 1e-5
        assert e.prob <= e.top[0].prob + 1e-7
        for c in e.top:
            if c.id == e.id:
                assert c.prob == e.prob and c.model_prob == e.model_prob
            assert c.text == tiny.tokenizer.decode([c.id])
        if plain:  # temperature 1, no filter: the sampled distribution is the model's
            assert math.isclose(e.prob, e.model_prob, rel_tol=1e-6)
    assert e.entropy <= math.log(tiny.tokenizer.vocab_size) + 1e-5


def test_top_n_zero_reports_no_candidates(tiny):
    events = gen(tiny, temperature=0, max_new_tokens=5, top_n=0)
    assert all(e.top == () for e in tokens(events))
    assert ids(events) == ids(gen(tiny, temperature=0, max_new_tokens=5, top_n=3))


def test_done_event_timings(tiny):
    d = done(gen(tiny, max_new_tokens=8))
    assert d.ttft_ms > 0 and d.tokens_per_s > 0 and d.prompt == "hello"


# -- inputs ---------------------------------------------------------------------------------------


def test_empty_prompt_works(tiny):
    events = gen(tiny, prompt="", temperature=1.0, max_new_tokens=12)
    assert events[0].prompt_tokens == 0
    assert done(events).tokens == 12 and len(done(events).text) == 12


@pytest.mark.parametrize("prompt", [None, 42, b"bytes", ["a"]])
def test_wrong_prompt_type_raises_settings_error(tiny, prompt):
    with pytest.raises(SettingsError, match="prompt"):
        list(generate_text(tiny, prompt, GenerationSettings()))


@pytest.mark.parametrize(
    "kw",
    [
        dict(max_new_tokens=-1),
        dict(num_samples=0),
        dict(top_n=-1),
        dict(seed=-5),
        dict(stop="x"),
        dict(stop=("",)),
    ],
)
def test_invalid_generation_settings(kw):
    with pytest.raises(SettingsError):
        GenerationSettings(**kw)


# -- the decoding step ----------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [1, 2])  # one row takes the matrix-vector path (addmv)
def test_decoder_steps_equal_cached_forward(bias, batch):
    torch.manual_seed(0)
    cfg = GPTConfig(block_size=24, vocab_size=40, n_layer=2, n_head=4, n_embd=32, bias=bias)
    m = GPT(cfg).eval()
    x = torch.randint(0, 40, (batch, 20))
    with torch.inference_mode():
        full = m(x)  # (2, 20, V), no cache
        ref_cache, cache = m.new_cache(batch), m.new_cache(batch)
        m(x[:, :5], ref_cache)
        m(x[:, :5], cache)
        step = m.decoder(cache)
        for t in range(5, 20):
            a = m(x[:, t : t + 1], ref_cache)[:, -1]
            b = step(x[:, t])
            torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(b, full[:, t], atol=1e-5, rtol=1e-4)
        assert cache.length == 20
        with pytest.raises(ValueError, match="context window"):
            for _ in range(20, 25):
                step(x[:, 0])


def test_weights_keep_their_fast_layout_through_a_file_round_trip(tmp_path):
    loaded = tiny_char_model()
    m = GPT(loaded.model.config).eval()
    load_state_into("x", m, untied_state_dict(loaded.model))
    w = m.transformer.h[0].attn.c_attn.weight
    assert w.shape == (3 * 32, 32) and w.t().is_contiguous()
    assert m.lm_head.weight is m.transformer.wte.weight
    for k, v in m.state_dict().items():
        assert torch.equal(v, loaded.model.state_dict()[k])


def test_history_grows_past_its_first_allocation(monkeypatch):
    import studio.engine.text.generation as generate

    loaded = tiny_char_model(seed=2, block_size=16)
    kw = dict(temperature=0.9, repetition_penalty=1.3, max_new_tokens=40, seed=3)
    expected = ids(gen(loaded, **kw))
    monkeypatch.setattr(generate, "HISTORY_CHUNK", 4)
    assert ids(gen(loaded, **kw)) == expected
