"""`aigc-studio compare`: one prompt and seed with two sets of settings, A and B, and where their
tokens first part, with the sampling stage that made the difference.

    aigc-studio compare --model NAME --prompt "ROMEO:" --seed 1 \\
        --a "--temperature 0.7" --b "--temperature 1.2 --top-k 40"

Both sides start from the shared flags (the generation settings, as for `generate`); --a and --b
change any of them for their side only.
"""

from __future__ import annotations

import argparse
import json
import shlex
from dataclasses import asdict

from studio.io.display_format import pct, show_text


def _settings_flags():
    from studio.settings import SAMPLING, TEXT

    return tuple({s.name: s for s in (*SAMPLING, *TEXT)}.values())


def add_compare_args(sub: argparse._SubParsersAction) -> None:
    from studio.cli.setting_flags import add_dtype_flag, add_setting_flags

    p = sub.add_parser(
        "compare",
        help="one prompt and seed with two sets of settings: where the tokens part, and why",
    )
    p.add_argument("--model", help="model name or path (`aigc-studio models` lists them)")
    p.add_argument("--prompt", default="", help="text to continue")
    p.add_argument(
        "--a", default="", metavar="FLAGS", help='side A\'s flags, e.g. "--temperature 0.7"'
    )
    p.add_argument("--b", default="", metavar="FLAGS", help='side B\'s flags, e.g. "--top-k 5"')
    add_setting_flags(p, _settings_flags())
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--threads", type=int, help="CPU threads")
    add_dtype_flag(p)
    p.add_argument("--json", action="store_true")


def _side(args: argparse.Namespace, flags: str, name: str):
    """The settings of one side: the shared flags, then this side's changes."""
    from studio.cli.setting_flags import add_setting_flags, read_setting_flags
    from studio.core.errors import SettingsError
    from studio.settings import GenerationSettings

    p = argparse.ArgumentParser(prog=f"--{name}", add_help=False, exit_on_error=False)
    add_setting_flags(p, _settings_flags())
    p.set_defaults(**{s.name: getattr(args, s.name) for s in _settings_flags()})
    try:
        side, rest = p.parse_known_args(shlex.split(flags))
    except (argparse.ArgumentError, ValueError) as e:
        raise SettingsError(f"--{name}: {e}") from None
    if rest:
        raise SettingsError(f"--{name}: not a generation setting: {' '.join(rest)}")
    read_setting_flags(side, _settings_flags())
    return GenerationSettings.from_values(vars(side))


def compare_command(args: argparse.Namespace, load) -> int:
    """`load(args)` loads --model (main's loader, which honours --threads)."""
    from studio.cli.setting_flags import read_setting_flags
    from studio.core.events import TokenEvent

    read_setting_flags(args, _settings_flags())
    a, b = _side(args, args.a, "a"), _side(args, args.b, "b")
    loaded = load(args)
    from studio.engine.text.compare import compare_runs, find_parting, same_seed

    a, b = same_seed(a, b)
    tokens: list[list] = [[], []]
    for side, ev in compare_runs(loaded, args.prompt, a, b):
        if isinstance(ev, TokenEvent):
            tokens[side].append(ev)
    ids = [[t.id for t in side] for side in tokens]
    parting = find_parting(loaded, args.prompt, ids[0], ids[1], a, b, a.seed)
    texts = ["".join(t.text for t in side) for side in tokens]
    if args.json:
        print(
            json.dumps(
                {"seed": a.seed, "a": texts[0], "b": texts[1], "parting": asdict(parting)},
                ensure_ascii=False,
            )
        )
        return 0
    print(f"seed {a.seed}")
    for name, side, text in (("A", tokens[0], texts[0]), ("B", tokens[1], texts[1])):
        if parting.step >= 0:
            before = "".join(t.text for t in side[: parting.step])
            at = side[parting.step].text
            after = "".join(t.text for t in side[parting.step + 1 :])
            text = f"{before}[{at}]{after}"
        print(f"{name}: {args.prompt}{text}")
    if parting.step < 0:
        print(f"A and B give the same tokens ({parting.why})")
        return 0
    ta, tb = parting.token_a, parting.token_b
    print(
        f"they part at token {parting.step + 1}: A {show_text(ta.text)!r} ({pct(ta.prob)}), "
        f"B {show_text(tb.text)!r} ({pct(tb.prob)})"
    )
    if parting.stage:
        print(
            f"the stage that made the difference: {parting.stage} ({parting.setting_a} -> {parting.setting_b})"
        )
    print(parting.why)
    return 0
