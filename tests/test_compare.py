"""A/B compare: both runs are the runs each settings make alone with the seed, the first step
where they part is found, and the stage named is the one whose switch changes that draw."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import tiny_char_model

from studio.core.events import TokenEvent
from studio.engine.text.compare import compare_runs, find_parting, same_seed
from studio.engine.text.generation import generate_text
from studio.settings import GenerationSettings, SamplingSettings


@pytest.fixture(scope="module")
def tiny():
    return tiny_char_model(seed=3, block_size=16)


def gs(**sampling) -> GenerationSettings:
    return GenerationSettings(sampling=SamplingSettings(**sampling), max_new_tokens=24, seed=7)


def ids_of(events) -> list[int]:
    return [e.id for e in events if isinstance(e, TokenEvent)]


def side_by_side(tiny, prompt, a, b):
    a, b = same_seed(a, b)
    sides: list[list] = [[], []]
    for side, ev in compare_runs(tiny, prompt, a, b):
        sides[side].append(ev)
    return a, b, ids_of(sides[0]), ids_of(sides[1])


def test_each_side_is_its_own_run_and_they_stream_in_turn(tiny):
    a, b, ia, ib = side_by_side(tiny, "hello", gs(temperature=0.7), gs(temperature=1.3))
    assert ia == ids_of(generate_text(tiny, "hello", a))
    assert ib == ids_of(generate_text(tiny, "hello", b))
    order = [side for side, ev in compare_runs(tiny, "hello", a, b) if isinstance(ev, TokenEvent)]
    assert order[:6] == [0, 1, 0, 1, 0, 1]


@pytest.mark.parametrize(
    "a, b, stage",
    [
        (dict(temperature=1.0), dict(temperature=0.0), "temperature"),
        (dict(temperature=1.0), dict(temperature=1.0, top_k=1), "top-k"),
        (dict(temperature=1.0, top_k=1), dict(temperature=1.0, top_k=1, top_p=0.5), None),
        (dict(temperature=1.0), dict(temperature=1.0, top_p=0.3), "top-p"),
        (dict(temperature=0.5, top_k=3), dict(temperature=2.0, top_k=3), "temperature"),
    ],
)
def test_the_stage_that_made_the_difference(tiny, a, b, stage):
    a, b, ia, ib = side_by_side(tiny, "the fox", gs(**a), gs(**b))
    parting = find_parting(tiny, "the fox", ia, ib, a, b, a.seed)
    if stage is None:  # top-k 1 leaves one token: top-p cannot change a thing
        assert ia == ib and parting.step == -1
        return
    assert parting.step >= 0 and ia[: parting.step] == ib[: parting.step]
    assert ia[parting.step] != ib[parting.step]
    assert parting.token_a.id == ia[parting.step] and parting.token_b.id == ib[parting.step]
    assert parting.stage == stage, parting
    assert stage in parting.why


def test_the_first_stage_that_changes_the_draw_is_named(tiny):
    # B changes temperature (no change to this draw... or not) and top-k: the walk is in the
    # chain's order, so the stage named is the first whose switch alone changes A's token
    a, b, ia, ib = side_by_side(tiny, "hello", gs(temperature=1.0), gs(temperature=1.05, top_k=2))
    p = find_parting(tiny, "hello", ia, ib, a, b, a.seed)
    assert p.step >= 0
    only_t = replace(a, sampling=replace(a.sampling, temperature=1.05))
    ids_t = ids_of(generate_text(tiny, "hello", only_t))
    expected = "temperature" if ids_t[: p.step + 1] != ia[: p.step + 1] else "top-k"
    assert p.stage == expected


def test_the_command_line_compares_and_names_the_stage(models, capsys):
    from studio.cli.main import main

    model = str(models / "tiny.safetensors")
    argv = ["compare", "--model", model, "--prompt", "hello", "--seed", "3"]
    argv += ["--max-new-tokens", "20", "--temperature", "1.0", "--b", "--top-k 1", "--json"]
    assert main(argv) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["seed"] == 3 and out["a"] != out["b"]
    assert out["parting"]["stage"] == "top-k" and out["parting"]["setting_b"] == "1"
    assert main(["compare", "--model", model, "--b", "--bogus 2"]) == 2
    assert "--b: not a generation setting: --bogus 2" in capsys.readouterr().err


def test_comparing_leaves_autograd_as_it_found_it(tiny):
    import torch

    a, b = same_seed(gs(temperature=0.7), gs(temperature=1.3))
    for _ in compare_runs(tiny, "hello", a, b):
        pass
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    run = compare_runs(tiny, "hello", a, b)
    next(run)
    run.close()  # a caller that stops early
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
