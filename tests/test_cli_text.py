"""`aigc-studio generate` and `eval` on a tiny text model file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import save_tiny, tiny_char_model

from studio.cli.main import main

ROOT = Path(__file__).resolve().parents[1]

START_KEYS = {"event", "model", "settings", "seed", "prompt_tokens"}
TOKEN_KEYS = {"event", "sample", "step", "id", "text", "prob", "model_prob", "entropy", "top"}
CANDIDATE_KEYS = {"id", "text", "prob", "model_prob"}
DONE_KEYS = {"event", "sample", "text", "tokens", "stop_reason", "ttft_ms", "tokens_per_s"}


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("m") / "tiny.safetensors", tiny_char_model())


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_text_format_prints_prompt_and_continuation(capsys, model_file):
    args = ["generate", "--model", str(model_file), "--prompt", "hello", "--max-new-tokens", "20"]
    code, out, err = run(capsys, *args, "--seed", "3")
    assert code == 0
    code, jl, _ = run(capsys, *args, "--seed", "3", "--format", "jsonl")
    text = jsonl(jl)[-1]["text"]
    assert out == "hello" + text + "\n"
    assert len(text) == 20
    assert "seed 3" in err and "20 tokens" in err


def test_jsonl_events_have_the_documented_keys(capsys, model_file):
    code, out, _ = run(
        capsys,
        *("generate", "--model", str(model_file), "--prompt", "the", "--format", "jsonl"),
        *("--max-new-tokens", "6", "--seed", "1", "--top-n", "3"),
    )
    assert code == 0
    events = jsonl(out)
    assert [e["event"] for e in events] == ["start"] + ["token"] * 6 + ["done"]
    start, toks, fin = events[0], events[1:-1], events[-1]
    assert set(start) >= START_KEYS and start["seed"] == 1 and start["prompt_tokens"] == 3
    assert start["model"] == "tiny" and start["settings"]["max_new_tokens"] == 6
    for i, t in enumerate(toks):
        assert set(t) >= TOKEN_KEYS and t["sample"] == 0 and t["step"] == i
        assert len(t["top"]) == 3 and all(set(c) == CANDIDATE_KEYS for c in t["top"])
    assert set(fin) >= DONE_KEYS
    assert fin["text"] == "".join(t["text"] for t in toks)
    assert fin["tokens"] == 6 and fin["stop_reason"] == "length"


def test_without_seed_the_drawn_seed_reproduces_the_text(capsys, model_file):
    args = ["generate", "--model", str(model_file), "--format", "jsonl", "--max-new-tokens", "15"]
    code, out, _ = run(capsys, *args, "--temperature", "1.0")
    first = jsonl(out)
    seed = first[0]["seed"]
    assert isinstance(seed, int)
    code, out, _ = run(capsys, *args, "--temperature", "1.0", "--seed", str(seed))
    assert jsonl(out)[-1]["text"] == first[-1]["text"]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--temperature", "-1", "--temperature must be in [0, 5], got -1"),
        ("--top-p", "1.5", "--top-p must be in (0, 1], got 1.5"),
        ("--top-p", "abc", "--top-p must be a number, got 'abc'"),
        ("--top-k", "-3", "--top-k must be in [0, 1000], got -3"),
        ("--top-k", "2.5", "--top-k must be a whole number, got '2.5'"),
        ("--seed", "-1", "--seed must be in [0, 9223372036854775743], got -1"),
        ("--num-samples", "65", "--num-samples must be in [1, 64], got 65"),
        ("--stop", "", "--stop must be a list of non-empty strings, got ['']"),
    ],
)
def test_invalid_settings_exit_2_with_one_line_naming_the_flag(capsys, flag, value, message):
    # refused before the model is looked up: the model named here does not exist
    code, out, err = run(capsys, "generate", "--model", "no-such-model", flag, value)
    assert code == 2 and out == ""
    assert err == f"aigc-studio: error: {message}\n"


def test_invalid_setting_through_the_real_command(model_file):
    r = subprocess.run(
        [sys.executable, "-m", "studio", "generate", "--model", str(model_file)]
        + ["--temperature", "-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "--temperature" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("where", ["missing-folder/out.txt", "a-file/out.txt"])
def test_output_to_an_unwritable_place_is_a_clear_error(capsys, model_file, tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / where
    code, _, err = run(
        capsys,
        *("generate", "--model", str(model_file), "--max-new-tokens", "3", "--seed", "1"),
        *("--output", str(target)),
    )
    assert code == 2 and "Traceback" not in err
    # said before generating: the error is the only line
    assert err.count("\n") == 1 and str(target) in err and "does not exist" in err


def test_output_file_holds_the_text(capsys, model_file, tmp_path):
    target = tmp_path / "out.txt"
    code, out, _ = run(
        capsys,
        *("generate", "--model", str(model_file), "--prompt", "fox", "--max-new-tokens", "5"),
        *("--seed", "2", "--output", str(target)),
    )
    assert code == 0 and target.read_text(encoding="utf-8") == out


def test_missing_model_file_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "generate", "--model", str(tmp_path / "nope.safetensors"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_eval_scores_a_text_file(capsys, model_file, tmp_path):
    text = tmp_path / "held-out.txt"
    text.write_text("the quick brown fox jumps over the lazy dog.\n" * 3, encoding="utf-8")
    code, out, _ = run(capsys, "eval", "--model", str(model_file), "--text", str(text), "--json")
    assert code == 0
    r = json.loads(out)
    assert r["tokens"] == r["chars"] == 135
    # an untrained model is about as good as a uniform guess over its vocabulary
    assert 0.5 * 3.0 < r["nats_per_token"] < 2 * 3.8
    code, out, _ = run(capsys, "eval", "--model", str(model_file), "--text", str(text))
    assert code == 0 and "nats/token" in out and "bits/char" in out
    code, _, err = run(capsys, "eval", "--model", str(model_file), "--text", str(tmp_path / "x"))
    assert code == 2 and "Traceback" not in err


def test_bench_text_quick_json(capsys):
    code, out, _ = run(capsys, "bench", "text", "--quick", "--json")
    assert code == 0
    r = json.loads(out)
    assert r["quick"] is True
    for section, keys in {
        "machine": {"threads", "torch", "transformers"},
        "tiny": {"ours_tok_s", "hf_tok_s", "plain_cached_loop_tok_s", "ratio_vs_hf"},
        "gpt2": {
            "ours_tok_s",
            "hf_tok_s",
            "ratio_vs_hf",
            "weight_bytes_per_token",
            "read_bandwidth_gb_s",
            "bandwidth_bound_tok_s",
            "fraction_of_bandwidth_bound",
        },
        "cache": {"cached_tok_s", "uncached_tok_s", "speedup", "new_tokens"},
        "ttft": {"prompt_tokens", "tiny_ours_ms", "tiny_hf_ms", "gpt2_ours_ms", "gpt2_hf_ms"},
    }.items():
        assert keys <= set(r[section]), section
    # the engines hold the same weights, so greedy decoding gives the same tokens
    assert r["tiny"]["same_tokens_as_hf"] and r["gpt2"]["same_tokens_as_hf"]
    assert r["cache"]["same_tokens"]
    assert r["tiny"]["max_logit_difference_vs_hf"] < 1e-4
    assert all(v > 0 for v in r["ttft"].values())
    # (f) a Llama-family row: ours in float32 and int8 against transformers on one folder
    (row,) = r["llama"]
    assert {"f32_tok_s", "int8_tok_s", "hf_tok_s", "f32_vs_hf", "int8_vs_f32"} <= set(row)
    assert row["int8_weight_bytes_per_token"] < row["f32_weight_bytes_per_token"] / 3
    assert row["greedy_tokens_equal_hf"] == f"{row['new_tokens']}/{row['new_tokens']}"
    assert all(v > 0 for v in row["ttft_500_ms"].values())


def test_bench_text_llama_rows_alone(capsys):
    code, out, _ = run(capsys, "bench", "text", "--quick", "--rows", "llama")
    assert code == 0
    assert "int8 generate_text" in out and "transformers generate()" in out
    assert "GPT-2" not in out


def test_context_mode_past_the_window(capsys, tmp_path):
    # a 16-token window and 60 new tokens: the two ways on past the window differ after it fills
    small = save_tiny(tmp_path / "small.safetensors", tiny_char_model(seed=2, block_size=16))
    base = ["generate", "--model", str(small), "--prompt", "hi", "--max-new-tokens", "60"]
    base += ["--seed", "5", "--format", "jsonl"]
    outs = {}
    for mode in ("shift", "slide"):
        code, out, _ = run(capsys, *base, "--context", mode)
        assert code == 0
        events = jsonl(out)
        assert events[0]["settings"]["context"] == mode
        outs[mode] = events[-1]["text"]
    code, out, _ = run(capsys, *base)
    assert jsonl(out)[-1]["text"] == outs["shift"]  # the default
    assert len(outs["shift"]) == len(outs["slide"]) == 60
    assert outs["shift"][:14] == outs["slide"][:14] and outs["shift"] != outs["slide"]


def test_unknown_context_mode_is_refused(capsys, model_file):
    with pytest.raises(SystemExit) as e:
        main(["generate", "--model", str(model_file), "--context", "wrap"])
    assert e.value.code == 2
    assert "invalid choice: 'wrap'" in capsys.readouterr().err
