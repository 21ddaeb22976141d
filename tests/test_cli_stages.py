"""`aigc-studio generate --output run.json` and `aigc-studio stages`: a run written as the window
exports it, and a token of it stage by stage, with the run's own numbers."""

from __future__ import annotations

import json
import math

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
    "30",
    "--temperature",
    "0.8",
    "--top-k",
    "10",
    "--repetition-penalty",
    "1.2",
    "--context",
    "shift",
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    return save_tiny(folder / "tiny.safetensors", tiny_char_model(seed=2, block_size=16))


@pytest.fixture
def exported(model, tmp_path, capsys):
    """(run file, its token events): 30 tokens of a tiny model past its 16-token window, written
    by `aigc-studio generate --output run.json`."""
    path = tmp_path / "run.json"
    assert main(["generate", "--model", str(model), *GENERATE, "--output", str(path)]) == 0
    printed = capsys.readouterr().out
    run = read_run(path)
    assert printed == run.prompt + run.text + "\n"  # the file holds what was printed
    assert run.seed == 4 and run.settings["sampling"]["top_k"] == 10 and run.tokens == 30
    assert run.model_path == str(model) and run.settings["context"] == "shift"
    return path, trace_events(run.trace)


def test_json_gives_the_numbers_the_run_reported(exported, capsys):
    path, tokens = exported
    for n in (1, 12, 30):  # the first, one inside the window, one after the shift
        assert main(["stages", "--run", str(path), "--token", str(n), "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        stages = out["stages"]
        assert [s["name"] for s in stages] == [
            "model",
            "repetition penalty",
            "temperature",
            "top-k",
        ]
        t = tokens[n - 1]
        assert out["id"] == t.id
        assert math.isclose(stages[0]["chosen_prob"], t.model_prob, rel_tol=1e-4)
        assert math.isclose(stages[-1]["chosen_prob"], t.prob, rel_tol=1e-4)
        assert stages[-1]["kept"] <= 10


def test_table_marks_the_drawn_token(exported, capsys):
    path, tokens = exported
    assert main(["stages", "--run", str(path), "--token", "5", "--top-n", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tiny, token 5:") and "drawn with probability" in out[0]
    assert "repetition penalty 1.2" in out[1] and "top-k 10" in out[1]
    assert sum(line.startswith("> ") for line in out) == 1
    assert out[-2].startswith("tokens kept") and out[-1].startswith("entropy")


@pytest.mark.parametrize("top_n", [1, 3, 12])
def test_table_rows_are_the_union_of_each_stages_top_n(exported, capsys, top_n):
    # top-k 10 leaves 10 tokens possible: with --top-n above what a stage keeps, that stage adds
    # only its possible tokens, never ones it cut
    path, tokens = exported
    for n in (2, 17):
        argv = ["stages", "--run", str(path), "--token", str(n), "--top-n", str(top_n)]
        assert main([*argv, "--json"]) == 0
        stages = json.loads(capsys.readouterr().out)["stages"]
        union = {c["id"] for s in stages for c in s["top"][:top_n] if c["prob"] > 0}
        union.add(tokens[n - 1].id)
        assert main(argv) == 0
        table = capsys.readouterr().out.splitlines()
        rows = table[2:-2]
        assert len(rows) == len(union) >= top_n
        assert all(s["kept"] >= 1 for s in stages)


@pytest.mark.parametrize(
    "more, message",
    [
        (["--token", "0"], "the run has 30 generated token(s), 1 to 30"),
        (["--token", "31"], "the run has 30 generated token(s)"),
        (["--token", "1", "--top-n", "0"], "--top-n must be at least 1"),
        (["--token", "1", "--model", "no-such-model"], "no-such-model"),
    ],
)
def test_bad_requests_are_one_line_errors(exported, capsys, more, message):
    path, _ = exported
    assert main(["stages", "--run", str(path), *more]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_file_that_is_not_a_run_is_refused(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["stages", "--run", str(bad), "--token", "1"]) == 2
    assert "not a JSON file" in capsys.readouterr().err


def test_a_json_run_holds_one_sample_and_a_bad_folder_is_a_message(model, tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(
        ["generate", "--model", str(model), *GENERATE, "--num-samples", "2", "--output", str(out)]
    )
    assert code == 2 and "holds one sample" in capsys.readouterr().err and not out.exists()
    missing = tmp_path / "no" / "such" / "folder" / "r.json"
    assert main(["generate", "--model", str(model), *GENERATE, "--output", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1  # said before generating
