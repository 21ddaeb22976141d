"""Branching a text run in the engine and on the command line: the chosen token is marked and has
the probability the model gave it, the prefix is the run's, the generator goes on where the run's
stood (so the run's own token gives the run's own text back), and the tree file is written."""

import json

import pytest
from helpers import save_tiny, tiny_char_model

from studio.cli.main import main
from studio.core.errors import SettingsError
from studio.engine.text.branching import Branch
from studio.engine.text.generation import generate_text
from studio.io.run_tree import read_tree
from studio.settings import GenerationSettings, SamplingSettings


@pytest.fixture(scope="module")
def tiny():
    return tiny_char_model()


def tokens(loaded, settings, branch=None, prompt="hello"):
    return [e for e in generate_text(loaded, prompt, settings, branch=branch) if e.event == "token"]


def test_the_chosen_token_is_marked_with_the_probabilities_the_model_gave_it(tiny):
    gs = GenerationSettings(max_new_tokens=12, seed=3, sampling=SamplingSettings(top_k=20))
    run = tokens(tiny, gs)
    fork = 4
    alt = next(c for c in run[fork].top if c.id != run[fork].id)
    branch = tokens(tiny, gs, Branch(tuple(t.id for t in run[:fork]), alt.id))
    first = branch[0]
    assert (first.step, first.id, first.by_hand) == (fork, alt.id, True)
    # the same context gives the same distribution: the alternative's numbers, and its top list
    assert first.prob == pytest.approx(alt.prob, abs=1e-6)
    assert first.model_prob == pytest.approx(alt.model_prob, abs=1e-6)
    assert [c.id for c in first.top] == [c.id for c in run[fork].top]
    assert [t.step for t in branch] == list(range(fork, fork + 13))  # 12 more after it
    assert not any(t.by_hand for t in branch[1:])
    assert first.to_json()["by_hand"] is True and "by_hand" not in run[0].to_json()


def test_a_branch_with_the_drawn_token_gives_the_runs_own_text_back(tiny):
    gs = GenerationSettings(max_new_tokens=15, seed=11, sampling=SamplingSettings(temperature=0.8))
    run = tokens(tiny, gs)
    for fork in (0, 6):
        again = tokens(tiny, gs, Branch(tuple(t.id for t in run[:fork]), run[fork].id))
        assert [t.id for t in again[: 15 - fork]] == [t.id for t in run[fork:]]


def test_greedy_gives_a_chosen_token_probability_one_only_where_greedy_goes(tiny):
    gs = GenerationSettings(max_new_tokens=5, sampling=SamplingSettings(temperature=0))
    run = tokens(tiny, gs)
    other = next(c for c in run[2].top if c.id != run[2].id)
    same = tokens(tiny, gs, Branch(tuple(t.id for t in run[:2]), run[2].id))
    off = tokens(tiny, gs, Branch(tuple(t.id for t in run[:2]), other.id))
    assert same[0].prob == 1.0 and off[0].prob == 0.0
    assert off[0].model_prob == pytest.approx(other.model_prob, abs=1e-6)


def test_a_typed_token_must_be_one_token(tiny):
    gs = GenerationSettings(max_new_tokens=3, seed=1)
    assert tokens(tiny, gs, Branch((), text="q"))[0].text == "q"
    with pytest.raises(SettingsError, match="2 tokens"):
        tokens(tiny, gs, Branch((), text="ab"))
    with pytest.raises(SettingsError, match="not in"):
        tokens(tiny, gs, Branch((), token=10**6))


def test_the_command_line_branches_an_exported_run_into_a_tree(tmp_path, capsys, tiny):
    model = save_tiny(tmp_path / "tiny.safetensors", tiny)
    run, tree = tmp_path / "run.json", tmp_path / "tree.json"
    common = ["generate", "--model", str(model), "--prompt", "hello", "--seed", "3"]
    assert main([*common, "--max-new-tokens", "10", "--output", str(run)]) == 0
    parent = json.loads(run.read_text(encoding="utf-8"))["trace"]
    capsys.readouterr()
    args = ["generate", "--from", str(run), "--at", "5", "--choose", "c", "--output", str(tree)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    prefix = "".join(t["text"] for t in parent[:4])
    assert out.startswith("hello" + prefix + "c")
    assert "chosen by hand" in err
    t = read_tree(tree)
    assert len(t) == 2 and t.nodes[1].fork == 4 and t.nodes[1].chosen["text"] == "c"
    path = t.path_trace(1)
    assert [x["id"] for x in path[:4]] == [x["id"] for x in parent[:4]]
    assert path[4]["by_hand"] is True
    # the tree goes on growing; a bad --at is one line
    more = ["generate", "--from", str(tree), "--node", "1", "--at", "7", "--choose-id", "3"]
    assert main([*more, "--output", str(tree), "--force"]) == 0
    t = read_tree(tree)
    assert len(t) == 3 and t.nodes[2].parent == 1
    capsys.readouterr()
    assert main(["generate", "--from", str(run), "--at", "99", "--choose", "c"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
