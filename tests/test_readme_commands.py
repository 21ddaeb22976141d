"""The README's commands run as printed.

Every fenced ``` or ```bash block of README.md is read; each `aigc-studio` or `python` line in it
(or `$ ` line of a terminal transcript, whose other lines are the output it prints) is run in a
scratch folder, split into words by bash itself, through `studio.cli.main.main` (what the
`aigc-studio` command calls), with the optional parts of a synopsis, in [brackets], left out.
Printed output must match. Left out, and listed by `test_what_is_left_out_is_what_should_be`:
blocks that need the data ($DATA, ../shared/data) or install, and lines that train, benchmark
(minutes each), open the window, score held-out data or are a synopsis of placeholders
(NAME|PATH, FILE, N). The sample commands written inline before their outputs run with fewer
tokens, and their outputs must begin the same.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from studio.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

BLOCK_SKIPS = {
    "$DATA": "needs the data",
    "../shared/data": "needs the data",
    "pip install": "installs",
}
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*(\|[A-Z_]+)*(\.[a-z]+)?$|\|")  # NAME|PATH, FILE, N, a|b
SAMPLE_TOKENS = 40  # the inline samples run this many tokens, not 300


def words(line: str) -> list[str]:
    """The words bash makes of a command line (quotes, $'\\n' and all), without the command."""
    r = subprocess.run(
        ["bash", "-c", f'printf "%s\\0" {line}'], capture_output=True, check=True, timeout=30
    )
    return [w.decode("utf-8") for w in r.stdout.split(b"\0")[:-1]][1:]


def skip_reason(line: str) -> str | None:
    """Why a command line is not run, or None to run it."""
    args = line.split()
    if args[0].startswith("python") and "window_shots.py" in line:
        return "opens the window"
    if args[0] != "aigc-studio":
        return "not the command"  # scripts: each needs data or a trained classifier
    if len(args) == 1 or args[1].startswith("[") or args[1] == "--model":
        return "opens the window"
    if args[1] in ("train", "bench"):
        return "takes minutes"
    if args[1] == "eval":
        return "scores held-out data"
    if any(PLACEHOLDER.search(w) for w in args[2:] if not w.startswith("-")):
        return "a synopsis"
    return None


def command_blocks() -> list[tuple[int, list[tuple[str, list[str]]], str | None]]:
    """(line number, [(command, expected output lines)], why the block is skipped or None) of
    every fenced block with at least one command."""
    found = []
    lines = README.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() not in ("```", "```bash"):
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        i += 1
        text = "\n".join(body)
        transcript = any(b.startswith("$ ") for b in body)
        commands: list[tuple[str, list[str]]] = []
        for b in body:
            if transcript and b.startswith("$ "):
                commands.append((b[2:], []))
            elif transcript and commands and commands[-1][0].endswith("\\"):
                commands[-1] = (commands[-1][0][:-1] + b.strip(), [])
            elif transcript and commands:
                commands[-1][1].append(b)
            elif not transcript and re.match(r"(aigc-studio|python3?)\b", b):
                commands.append((re.sub(r"\s+#.*$", "", b), []))
        if commands:
            why = next((w for k, w in BLOCK_SKIPS.items() if k in text), None)
            found.append((start, commands, why))
    return found


def without_options(line: str) -> str:
    """A synopsis line with its optional [parts] left out."""
    while (shorter := re.sub(r"\s*\[[^\[\]]*\](\.\.\.)?", "", line)) != line:
        line = shorter
    return line


def inline_samples() -> list[tuple[str, str]]:
    """(command, the output printed under it) of the samples written inline before their block."""
    pattern = re.compile(r"^`(aigc-studio generate [^`]+)`\n\n```\n(.*?)\n```", re.M | re.S)
    return pattern.findall(README)


def run(capsys, line: str) -> str:
    code = main(words(line))
    out, err = capsys.readouterr()
    assert code == 0, (line, err)
    return out


def test_what_is_left_out_is_what_should_be():
    runs, skipped = [], {}
    for _, commands, why in command_blocks():
        for line, _ in commands:
            reason = why or skip_reason(without_options(line))
            if reason:
                skipped.setdefault(reason, []).append(line)
            else:
                runs.append(without_options(line))
    assert set(skipped) <= {
        "needs the data",
        "installs",
        "opens the window",
        "takes minutes",
        "scores held-out data",
        "a synopsis",
        "not the command",
    }
    assert len(skipped["needs the data"]) >= 10 and len(skipped["installs"]) == 3
    assert any(r.startswith("aigc-studio stages --run run.json") for r in runs)
    assert "aigc-studio generate --model digits --label 7 --output seven.png" in runs
    assert len(runs) >= 6 and len(inline_samples()) == 6


def test_the_readme_commands_run_as_printed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = 0
    for start, commands, why in command_blocks():
        for line, expected in commands:
            line = without_options(line)
            if why or skip_reason(line):
                continue
            if "--init picture.png" in line:  # a picture to complete: one the README made
                shutil.copy(tmp_path / "seven.png", tmp_path / "picture.png")
            out = run(capsys, line)
            if expected:
                assert out.splitlines() == expected, f"README line {start}: {line}"
            for name in re.findall(r"--output (\S+)", line):
                assert (tmp_path / name).stat().st_size > 0, line
            ran += 1
    assert ran >= 6


def test_the_inline_samples_begin_as_printed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for line, printed in inline_samples():
        if "--stop" in line:  # a poem: it ends at its stop string, so it runs as printed
            assert run(capsys, line) == printed + "\n", line
            continue
        line = line.replace("--max-new-tokens 300", f"--max-new-tokens {SAMPLE_TOKENS}")
        out = run(capsys, line).rstrip("\n")
        assert len(out) > SAMPLE_TOKENS and printed.startswith(out), line
