"""`aigc-studio stages`: one token of an exported run, stage by stage, in the terminal.

    aigc-studio stages --run run.json --token 28 [--model NAME|PATH] [--top-n 8] [--json]

The same numbers as the window's sampling-stages dialog (a click on a token): the next-token
distribution the model gave, then after each stage of the chain the run used. The rows are the
union of every stage's top n (tokens a stage cut are not among its top) and the drawn token: n
rows when the stages agree on the leaders, more when they reorder them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from studio.cli.setting_flags import add_dtype_flag
from studio.io.display_format import pct, show_text, stage_table_rows


def add_past_token_args(p: argparse.ArgumentParser, token_required: bool = True) -> None:
    """The flags of the commands that recompute one token of an exported run (stages, inspect)."""
    p.add_argument("--run", required=True, help="a run exported as .json (File > Export)")
    p.add_argument(
        "--token", type=int, required=token_required, help="which generated token, from 1"
    )
    p.add_argument("--model", help="the model (default: the one that made the run)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    add_dtype_flag(p)
    p.add_argument("--json", action="store_true")


def add_stages_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stages",
        help="one token of an exported run: its distribution after each sampling stage",
    )
    add_past_token_args(p)
    p.add_argument(
        "--top-n",
        type=int,
        default=8,
        help="rows: each stage's N most likely tokens (those it leaves possible), together, "
        "and the drawn one",
    )


def _cell(p: float) -> str:
    return pct(p) if p > 0 else "–"  # a token the stage cut


def model_of(run, given: str | None) -> str:
    """The model to load: the one asked for, else the run's file if it is still there, else its
    name (a bundled model or one in the user's folder)."""
    if given:
        return given
    if run.model_path and Path(run.model_path).exists():
        return run.model_path
    return run.model_name


def stages_command(args: argparse.Namespace) -> int:
    from studio.core.errors import SettingsError
    from studio.engine.formats.model_finder import load_model
    from studio.engine.text.sampling_stages import sampling_stages
    from studio.io.export import read_run
    from studio.io.run import trace_events
    from studio.settings import GenerationSettings

    run = read_run(args.run)
    if run.kind != "text":
        raise SettingsError(f"{args.run}: an image run; stages are for text runs")
    tokens = trace_events(run.trace)
    if not 1 <= args.token <= len(tokens):
        raise SettingsError(
            f"--token {args.token}: the run has {len(tokens)} generated token(s), 1 to {len(tokens)}"
        )
    if args.top_n < 1:
        raise SettingsError(f"--top-n must be at least 1, got {args.top_n}")
    loaded = load_model(model_of(run, args.model), device=args.device, dtype=args.dtype)
    settings = GenerationSettings.from_dict({**run.settings, "num_samples": 1})
    ids = [t.id for t in tokens[: args.token]]
    stages = sampling_stages(loaded, run.prompt, ids, settings, top_n=args.top_n)
    if args.json:
        print(
            json.dumps(
                {
                    "model": loaded.name,
                    "token": args.token,
                    "id": ids[-1],
                    "stages": [asdict(s) for s in stages],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(_table(loaded.name, args.token, ids[-1], stages))
    return 0


def _table(model: str, token: int, chosen: int, stages: list) -> str:
    first, last = stages[0], stages[-1]
    rows = stage_table_rows(stages)
    heads = [f"{s.name} {s.setting}".strip() for s in stages]
    widths = [max(len(h), 8) for h in heads]
    label_w = max(12, *(len(show_text(text)) + 2 for _, text in rows))
    lines = [
        f"{model}, token {token}: {show_text(first.chosen.text)} drawn with probability "
        f"{_cell(last.chosen_prob)} (the model gave it {_cell(first.chosen_prob)})",
        "".ljust(label_w) + "  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)),
    ]
    for i, text in rows:
        label = ("> " if i == chosen else "  ") + show_text(text)
        cells = [_cell(s.probs[i]).rjust(w) for s, w in zip(stages, widths, strict=True)]
        lines.append(label.ljust(label_w) + "  ".join(cells))
    lines.append(
        "tokens kept".ljust(label_w)
        + "  ".join(str(s.kept).rjust(w) for s, w in zip(stages, widths, strict=True))
    )
    lines.append(
        "entropy".ljust(label_w)
        + "  ".join(f"{s.entropy:.2f}".rjust(w) for s, w in zip(stages, widths, strict=True))
    )
    return "\n".join(lines)
