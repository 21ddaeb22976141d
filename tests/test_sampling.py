"""The sampling chain: each stage against transformers' processor, purity, validation, properties."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers.generation.logits_process import (
    LogitsProcessorList,
    MinPLogitsWarper,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

from studio.core.errors import SettingsError
from studio.engine.sampling.chain import (
    MinP,
    RepetitionPenalty,
    Temperature,
    TopK,
    TopP,
    apply_chain,
    build_chain,
    entropy_nats,
)
from studio.settings import SamplingSettings

V = 50


def _logits(seed: int = 0, batch: int = 3, scale: float = 3.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, V, generator=g) * scale  # (B, V)


def _ids(seed: int = 0, batch: int = 3, length: int = 12) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed + 1000)
    return torch.randint(0, V, (batch, length), generator=g)  # (B, T)


def _same_distribution(a: torch.Tensor, b: torch.Tensor) -> None:
    pa, pb = a.softmax(-1), b.softmax(-1)
    assert torch.isfinite(pa).all() and torch.isfinite(pb).all()
    torch.testing.assert_close(pa, pb, rtol=1e-6, atol=1e-7)
    # the same tokens are filtered out
    assert torch.equal(torch.isneginf(a), torch.isneginf(b))


PAIRS = [
    (RepetitionPenalty(1.3), RepetitionPenaltyLogitsProcessor(1.3)),
    (RepetitionPenalty(0.7), RepetitionPenaltyLogitsProcessor(0.7)),
    (Temperature(0.7), TemperatureLogitsWarper(0.7)),
    (Temperature(1.8), TemperatureLogitsWarper(1.8)),
    (TopK(1), TopKLogitsWarper(1)),
    (TopK(7), TopKLogitsWarper(7)),
    (TopK(V + 10), TopKLogitsWarper(V + 10)),
    (TopP(0.05), TopPLogitsWarper(0.05)),
    (TopP(0.9), TopPLogitsWarper(0.9)),
    (TopP(1.0), TopPLogitsWarper(1.0)),
    (MinP(0.05), MinPLogitsWarper(0.05)),
    (MinP(0.5), MinPLogitsWarper(0.5)),
    (MinP(1.0), MinPLogitsWarper(1.0)),
]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=lambda p: type(p).__name__)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stage_equals_transformers(ours, theirs, seed):
    scores, ids = _logits(seed), _ids(seed)
    _same_distribution(ours(ids, scores), theirs(ids, scores.clone()))


def test_stages_handle_filtered_tokens_like_transformers():
    scores, ids = _logits(5), _ids(5)
    scores[:, ::3] = -math.inf  # an earlier stage already filtered these
    for ours, theirs in PAIRS:
        _same_distribution(ours(ids, scores), theirs(ids, scores.clone()))


@pytest.mark.parametrize(
    "s",
    [
        SamplingSettings(temperature=0.7, top_k=10, top_p=0.9, min_p=0.05, repetition_penalty=1.2),
        SamplingSettings(temperature=1.5, top_k=3),
        SamplingSettings(temperature=0.5, top_p=0.5),
        SamplingSettings(temperature=1.0, min_p=0.2, repetition_penalty=0.8),
    ],
)
def test_whole_chain_equals_transformers_in_the_same_order(s):
    theirs = LogitsProcessorList()
    if s.repetition_penalty != 1.0:
        theirs.append(RepetitionPenaltyLogitsProcessor(float(s.repetition_penalty)))
    if s.temperature != 1.0:
        theirs.append(TemperatureLogitsWarper(float(s.temperature)))
    if s.top_k:
        theirs.append(TopKLogitsWarper(s.top_k))
    if s.top_p < 1.0:
        theirs.append(TopPLogitsWarper(s.top_p))
    if s.min_p > 0.0:
        theirs.append(MinPLogitsWarper(s.min_p))
    for seed in range(3):
        scores, ids = _logits(seed), _ids(seed)
        _same_distribution(apply_chain(build_chain(s), ids, scores), theirs(ids, scores.clone()))


@pytest.mark.parametrize(("ours", "_"), PAIRS, ids=lambda p: type(p).__name__)
def test_stages_never_modify_their_input(ours, _):
    scores, ids = _logits(3), _ids(3)
    scores[0, 4] = -math.inf
    before_scores, before_ids = scores.clone(), ids.clone()
    out = ours(ids, scores)
    assert torch.equal(scores, before_scores) and torch.equal(ids, before_ids)
    assert out.data_ptr() != scores.data_ptr()


def test_an_off_top_k_stage_is_a_copy():
    scores = _logits()
    out = TopK(0)(_ids(), scores)
    assert torch.equal(out, scores) and out.data_ptr() != scores.data_ptr()


def test_repetition_penalty_with_no_context_changes_nothing():
    scores = _logits()
    assert torch.equal(RepetitionPenalty(1.5)(_ids(length=0), scores), scores)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": math.nan}, "temperature"),
        ({"temperature": math.inf}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": None}, "temperature"),
        ({"temperature": True}, "temperature"),
        ({"temperature": 5.01}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": -0.5}, "top_p"),
        ({"top_p": 1.01}, "top_p"),
        ({"top_p": 2}, "top_p"),
        ({"top_p": math.nan}, "top_p"),
        ({"top_p": "0.9"}, "top_p"),
        ({"top_k": -1}, "top_k"),
        ({"top_k": 2.5}, "top_k"),
        ({"top_k": math.nan}, "top_k"),
        ({"top_k": "5"}, "top_k"),
        ({"top_k": None}, "top_k"),
        ({"min_p": -0.1}, "min_p"),
        ({"min_p": 1.5}, "min_p"),
        ({"min_p": math.nan}, "min_p"),
        ({"repetition_penalty": 0}, "repetition_penalty"),
        ({"repetition_penalty": -1.0}, "repetition_penalty"),
        ({"repetition_penalty": math.nan}, "repetition_penalty"),
        ({"repetition_penalty": [1.2]}, "repetition_penalty"),
        ({"repetition_penalty": 3.5}, "repetition_penalty"),
        ({"top_k": 1001}, "top_k"),
    ],
)
def test_invalid_settings_raise_settings_error_naming_the_flag(kwargs, name):
    flag = "--" + name.replace("_", "-")
    with pytest.raises(SettingsError, match=f"^{flag} ") as e:
        SamplingSettings(**kwargs)
    assert e.value.setting == name


@pytest.mark.parametrize(
    ("stage", "value"),
    [
        (Temperature, 0),
        (Temperature, -1.0),
        (TopK, -3),
        (TopP, 0.0),
        (MinP, 2.0),
        (RepetitionPenalty, 0.0),
    ],
)
def test_stages_validate_on_construction(stage, value):
    with pytest.raises(SettingsError):
        stage(value)


def test_settings_errors_are_value_errors():
    with pytest.raises(ValueError, match="--top-p"):
        SamplingSettings(top_p=3)


def test_no_op_settings_are_skipped():
    off = SamplingSettings(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repetition_penalty=1.0)
    assert build_chain(off) == []
    assert build_chain(SamplingSettings(temperature=0)) == []  # greedy: a draw, not a stage
    on = SamplingSettings(temperature=0.5, top_k=4, top_p=0.8, min_p=0.1, repetition_penalty=1.1)
    assert [type(s) for s in build_chain(on)] == [RepetitionPenalty, Temperature, TopK, TopP, MinP]
    assert [type(s) for s in build_chain(SamplingSettings(temperature=1.0, top_p=0.5))] == [TopP]


def test_temperature_zero_is_greedy():
    assert SamplingSettings(temperature=0).greedy
    assert SamplingSettings(temperature=0.0).greedy
    assert not SamplingSettings(temperature=0.01).greedy


def test_entropy_of_known_distributions():
    p = torch.tensor([[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    torch.testing.assert_close(entropy_nats(p), torch.tensor([math.log(4), 0.0, math.log(2)]))


# -- properties ---------------------------------------------------------------------------------


@st.composite
def logits_rows(draw) -> torch.Tensor:
    """(1, V) float32 logits with any mix of -inf entries, at least one finite."""
    n = draw(st.integers(1, 40))
    finite = st.floats(-30, 30, allow_nan=False, width=32)
    values = draw(st.lists(st.one_of(finite, st.just(-math.inf)), min_size=n, max_size=n))
    if all(v == -math.inf for v in values):
        values[draw(st.integers(0, n - 1))] = draw(finite)
    return torch.tensor([values], dtype=torch.float32)


chains = st.builds(
    SamplingSettings,
    temperature=st.sampled_from([0.0, 0.3, 1.0, 2.5]),
    top_k=st.integers(0, 45),
    top_p=st.sampled_from([0.01, 0.3, 0.9, 1.0]),
    min_p=st.sampled_from([0.0, 0.05, 0.5, 1.0]),
    repetition_penalty=st.sampled_from([0.5, 1.0, 1.3]),
)


@settings(max_examples=100, deadline=None)
@given(logits_rows(), chains, st.lists(st.integers(0, 1000), max_size=8))
def test_chain_always_gives_a_valid_distribution(scores, s, context):
    V_ = scores.size(-1)
    ids = torch.tensor([[c % V_ for c in context]], dtype=torch.long)
    probs = apply_chain(build_chain(s), ids, scores).softmax(-1)
    assert torch.isfinite(probs).all()
    assert (probs >= 0).all()
    assert abs(probs.sum().item() - 1.0) < 1e-5
    # a filter never removes a token that the raw scores made possible and leaves nothing
    assert (probs > 0).any()


@settings(max_examples=80, deadline=None)
@given(logits_rows(), st.integers(1, 45))
def test_top_k_keeps_at_most_k_tokens_unless_tied(scores, k):
    out = TopK(k)(torch.empty(1, 0, dtype=torch.long), scores)
    kept = torch.isfinite(out[0])
    finite = torch.isfinite(scores[0])
    assert kept.sum() <= max(k, 0) or (
        # transformers keeps every token tied with the k-th best score
        (scores[0][kept] == scores[0][kept].min()).sum() > 1
    )
    assert kept.sum() >= min(k, int(finite.sum()))
    # the kept tokens are the best ones
    if (~kept & finite).any():
        assert scores[0][kept].min() >= scores[0][~kept & finite].max()
    assert torch.equal(out[0][kept], scores[0][kept])


@settings(max_examples=100, deadline=None)
@given(logits_rows(), st.floats(0.01, 1.0))
def test_top_p_keeps_the_smallest_set_reaching_p(scores, p):
    probs = scores.softmax(-1)[0].double()
    out = TopP(p)(torch.empty(1, 0, dtype=torch.long), scores)
    kept = torch.isfinite(out[0])
    mass = probs[kept].sum().item()
    tol = 1e-5
    assert mass >= p - tol  # reaches p
    assert kept.any()
    # the kept tokens are the most likely ones
    if (~kept).any():
        assert probs[kept].min() >= probs[~kept].max() - 1e-12
    # smallest: without its least likely token, the kept set would fall short of p
    if kept.sum() > 1:
        assert mass - probs[kept].min().item() < p + tol


@settings(max_examples=60, deadline=None)
@given(logits_rows(), st.floats(0.0, 1.0))
def test_min_p_keeps_the_best_token_and_those_above_the_threshold(scores, m):
    probs = scores.softmax(-1)[0]
    out = MinP(m)(torch.empty(1, 0, dtype=torch.long), scores)
    kept = torch.isfinite(out[0])
    assert kept[probs.argmax()]
    assert torch.equal(kept & (probs > 0), (probs >= m * probs.max()) & (probs > 0))
