"""`aigc-studio inspect`: a token of an exported run, its attention and logit lens in the
terminal, with the engine's numbers (and the run's own at the lens's last depth)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import save_tiny, tiny_char_model

from studio.cli.main import main
from studio.io.export import read_run
from studio.io.run import trace_events

GENERATE = [
    "--prompt",
    "hello",
    "--seed",
    "4",
    "--max-new-tokens",
    "24",
    "--temperature",
    "0.9",
    "--context",
    "shift",
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    return save_tiny(folder / "tiny.safetensors", tiny_char_model(seed=2, block_size=16))


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    """(run file, its token events): 24 tokens of a tiny model, past its 16-token window."""
    path = tmp_path_factory.mktemp("run") / "run.json"
    assert main(["generate", "--model", str(model), *GENERATE, "--output", str(path)]) == 0
    return path, trace_events(read_run(path).trace)


@pytest.fixture(scope="module")
def greedy(model, tmp_path_factory):
    """A greedy run of the same model: every token leads at the last depth at least."""
    path = tmp_path_factory.mktemp("run") / "greedy.json"
    argv = ["generate", "--model", str(model), *GENERATE, "--temperature", "0"]
    assert main([*argv, "--output", str(path)]) == 0
    return path


def inspect(path, *more) -> list:
    return ["inspect", "--run", str(path), *more]


def test_json_gives_attention_rows_summing_to_one_and_the_runs_probability(exported, capsys):
    path, tokens = exported
    for n in (1, 12, 24):  # the first, one inside the window, one after the shift
        assert main(inspect(path, "--token", str(n), "--attention", "--lens", "--json")) == 0
        out = json.loads(capsys.readouterr().out)
        t = tokens[n - 1]
        assert out["chosen"]["id"] == t.id and out["step"] == n - 1 and out["model"] == "tiny"
        w = np.asarray(out["attention"])
        assert w.shape == (2, 2, len(out["context"]))  # 2 layers, 2 heads
        np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-5)
        last = out["lens"]["layers"][-1]
        assert math.isclose(last["chosen_prob"], t.model_prob, rel_tol=1e-4)
        assert len(out["lens"]["layers"]) == 3  # the embedding, then 2 blocks


def test_json_holds_only_what_was_asked(exported, capsys):
    path, _ = exported
    assert main(inspect(path, "--token", "3", "--lens", "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert "lens" in out and "attention" not in out


def test_the_attention_table_shows_each_layers_head_average(exported, capsys):
    path, _ = exported
    assert main(inspect(path, "--token", "6", "--attention", "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert main(inspect(path, "--token", "6", "--attention")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tiny, token 6:") and "averaged over 2 head(s)" in lines[0]
    assert [line.split()[0:2] for line in lines[1:]] == [
        ["layer", "1"],
        ["layer", "2"],
        ["all", "layers"],
    ]
    mean = np.asarray(out["attention"]).mean(axis=1)  # (layers, context)
    for layer in range(2):
        best = int(mean[layer].argmax())
        first_cell = lines[1 + layer].split("'", 2)
        text = out["context"][best]["text"].replace(" ", "␣").replace("\n", "⏎")
        assert first_cell[1] == text and f"@{best + 1} " in lines[1 + layer]
        assert f"{mean[layer, best]:.1%}" in lines[1 + layer]


@pytest.mark.parametrize("which", ["exported", "greedy"])
def test_the_lens_table_marks_the_first_depth_the_drawn_token_leads(which, request, capsys):
    path = request.getfixturevalue(which)
    path = path[0] if which == "exported" else path
    capsys.readouterr()  # what generating the run printed
    marked = 0
    for n in range(1, 25, 3):
        assert main(inspect(path, "--token", str(n), "--lens", "--json")) == 0
        lens = json.loads(capsys.readouterr().out)["lens"]
        assert main(inspect(path, "--token", str(n), "--lens")) == 0
        lines = capsys.readouterr().out.splitlines()
        rows = lines[2:]
        assert [r[2:].split("  ")[0].strip() for r in rows] == ["embedding", "layer 1", "layer 2"]
        first = lens["first_on_top"]
        assert [r.startswith("> ") for r in rows] == [i == first for i in range(3)]
        if first is None:
            assert "never on top" in lines[0]
        else:
            marked += 1
            assert (
                "first on top at " + ("embedding" if first == 0 else f"layer {first}")
            ) in lines[0]
        for row, layer in zip(rows, lens["layers"], strict=True):
            assert f"{layer['top'][0]['prob']:.1%}" in row and f"(#{layer['chosen_rank']})" in row
    if which == "greedy":
        assert marked == 8  # a greedy token is the model's first choice: it leads at the end


@pytest.mark.parametrize(
    "more, message",
    [
        (["--token", "0", "--lens"], "the run has 24 generated token(s), 1 to 24"),
        (["--token", "25", "--attention"], "the run has 24 generated token(s)"),
        (["--token", "1"], "say what to look at: --attention, --lens or both"),
        (["--token", "1", "--lens", "--model", "no-such-model"], "no-such-model"),
    ],
)
def test_bad_requests_are_one_line_errors(exported, capsys, more, message):
    path, _ = exported
    assert main(inspect(path, *more)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_model_of_another_vocabulary_is_refused_in_one_line(exported, tmp_path, capsys):
    path, _ = exported
    # a model whose vocabulary is far smaller than the run's ids
    from studio.engine.networks.gpt import GPT, GPTConfig
    from studio.engine.tokenizers import CharTokenizer

    small = tiny_char_model(seed=1, block_size=16)
    tok = CharTokenizer.from_text("ab")
    cfg = GPTConfig(block_size=16, vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8)
    small.model, small.tokenizer = GPT(cfg).eval(), tok
    small.card.update(architecture=cfg.to_dict(), tokenizer=tok.to_card())
    other = save_tiny(tmp_path / "other.safetensors", small)
    assert main(inspect(path, "--token", "2", "--lens", "--model", str(other))) == 2
    err = capsys.readouterr().err
    assert "must lie in" in err and err.count("\n") == 1


def test_missing_and_bad_run_files_are_one_line_errors(tmp_path, capsys):
    assert main(inspect(tmp_path / "none.json", "--token", "1", "--lens")) == 2
    err = capsys.readouterr().err
    assert "none.json" in err and err.count("\n") == 1
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(inspect(bad, "--token", "1", "--attention")) == 2
    assert "not a JSON file" in capsys.readouterr().err
