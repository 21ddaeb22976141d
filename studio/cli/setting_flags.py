"""The command line's generation flags, made from the settings schema (`studio.settings`).

Each flag takes its name, default and help (with the accepted values) from its schema entry, so
`aigc-studio generate` without sampling flags runs with exactly the window's Reset values. Numbers
are read as text and checked by the schema after parsing, before any model is loaded: a bad value
is one line naming the flag ("--top-p must be in (0, 1], got 1.5") and exit status 2, as the
window refuses the same value. Stop strings mean what they mean in the window: `\\n` is a newline.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from studio.settings import IMAGE, SAMPLING, TEXT, Setting, decode_stop

GENERATE_SETTINGS: tuple[Setting, ...] = tuple(
    {s.name: s for s in (*SAMPLING, *TEXT, *IMAGE)}.values()
)
"""The settings `aigc-studio generate` takes as flags: text and image alike (shared ones once)."""


def add_setting_flags(p: argparse.ArgumentParser, settings: Iterable[Setting]) -> None:
    """One flag per setting, named, defaulted and explained by the schema."""
    for s in settings:
        kw: dict = {"dest": s.name, "help": s.describe()}
        if s.kind == "bool":
            kw["action"] = "store_true"
        elif s.kind == "stops":
            kw.update(action="append", default=[], metavar="TEXT")
            kw["help"] += " Repeatable."
        elif s.kind == "choice":
            kw.update(choices=s.choices, default=s.default)
        elif s.kind == "label":
            kw["metavar"] = "NAME"  # a label's name; the model's list turns it into its index
        else:  # numbers: text here, checked by read_setting_flags
            kw.update(default=s.default, metavar="N" if s.kind != "float" else "X")
        p.add_argument(s.flag, **kw)


def read_setting_flags(args: argparse.Namespace, settings: Iterable[Setting]) -> None:
    """Turn the flags' text into checked values, in place. Raises SettingsError naming the flag.

    Labels stay names: only the loaded model knows its labels."""
    for s in settings:
        raw = getattr(args, s.name)
        if s.kind == "stops":
            setattr(args, s.name, s.check([decode_stop(t) for t in raw]))
        elif s.kind in ("float", "int", "seed") and isinstance(raw, str):
            setattr(args, s.name, s.parse(raw))


def add_dtype_flag(p: argparse.ArgumentParser) -> None:
    """--dtype: the precision the model is opened in (studio.settings.precision)."""
    from studio.settings.precision import DEFAULT_PRECISION, PRECISION_HELP, PRECISIONS

    p.add_argument("--dtype", default=DEFAULT_PRECISION, choices=PRECISIONS, help=PRECISION_HELP)


def image_flags_given(args: argparse.Namespace) -> bool:
    """Whether `generate` was given a flag only image models take."""
    from studio.settings import SCHEMA

    return bool(
        args.label
        or args.gif
        or args.init
        or args.keep_rows is not None
        or args.scale is not None
        or args.guidance != SCHEMA["guidance"].default
        or args.sampler != SCHEMA["sampler"].default
    )


def image_flags_refusal(model_name: str, what: str) -> str:
    """The line refusing image-only flags for `model_name`, a `what` ("text model")."""
    return (
        "--label, --guidance, --sampler, --gif, --init, --keep-rows and --scale are for image "
        f"models; {model_name} is a {what}"
    )
