"""`aigc-studio inspect`: look inside one token of an exported run, in the terminal.

    aigc-studio inspect --run run.json --token 28 --attention [--lens] [--model NAME|PATH] [--json]
    aigc-studio inspect --run image-run.json --pixel 5,9 --attention [--layer L --head H]
                        [--sample S] [--out overlay.png] [--json]

The same numbers as the window's Attention and Logit lens tabs (a click on a token). --attention:
for each layer, the earlier tokens the drawn token's query paid most attention to, averaged over
the heads (--json gives every head). --lens: for each depth (the embedding, then after each
block) the five tokens the final norm and the unembedding make likeliest there, and the depth at
which the drawn token first leads. --pixel: one pixel of an image run (cli/pixel_inspect.py).
"""

from __future__ import annotations

import argparse
import json

from studio.io.display_format import pct, show_text

TOP = 5  # tokens per row


def add_inspect_args(sub: argparse._SubParsersAction) -> None:
    from studio.cli.pixel_inspect import add_pixel_args
    from studio.cli.stages_command import add_past_token_args

    p = sub.add_parser(
        "inspect",
        help="one token of an exported run: the attention its query paid, and the logit lens; "
        "or one pixel of an image run: the earlier pixels it looked at",
    )
    add_past_token_args(p, token_required=False)
    p.add_argument(
        "--attention",
        action="store_true",
        help="per layer, the earlier tokens it attended to most (averaged over heads); with "
        "--pixel, the earlier pixels (emoji: attention; digits: gradient saliency)",
    )
    p.add_argument(
        "--lens",
        action="store_true",
        help="per layer, the five likeliest next tokens read from the residual stream",
    )
    add_pixel_args(p)


def inspect_command(args: argparse.Namespace) -> int:
    from studio.cli.stages_command import model_of
    from studio.core.errors import SettingsError
    from studio.core.inspection import ATTENTION, LENS
    from studio.io.export import read_run
    from studio.io.run import trace_events
    from studio.settings import GenerationSettings

    what = [w for w, on in ((ATTENTION, args.attention), (LENS, args.lens)) if on]
    if not what:
        raise SettingsError("say what to look at: --attention, --lens or both")
    run = read_run(args.run)
    if args.pixel is not None or run.kind == "image":
        from studio.cli.pixel_inspect import pixel_command

        return pixel_command(args, run)
    if args.token is None:
        raise SettingsError("say which token: --token N (from 1)")
    tokens = trace_events(run.trace)
    if not 1 <= args.token <= len(tokens):
        raise SettingsError(
            f"--token {args.token}: the run has {len(tokens)} generated token(s), 1 to {len(tokens)}"
        )
    from studio.engine.formats.model_finder import load_model
    from studio.engine.text.inspect import inspect_step

    loaded = load_model(model_of(run, args.model), device=args.device, dtype=args.dtype)
    settings = GenerationSettings.from_dict({**run.settings, "num_samples": 1})
    ids = [t.id for t in tokens[: args.token]]
    found = inspect_step(loaded, run.prompt, ids, settings, what=what)
    if args.json:
        print(
            json.dumps(
                {"model": loaded.name, "token": args.token, **found.to_dict()}, ensure_ascii=False
            )
        )
        return 0
    parts = []
    if found.attention is not None:
        parts.append(attention_table(loaded.name, args.token, found))
    if found.lens is not None:
        parts.append(lens_table(loaded.name, args.token, found))
    print("\n\n".join(parts))
    return 0


def _token(text: str) -> str:
    return f"'{show_text(text)}'"


def attention_table(model: str, token: int, found) -> str:
    """Per layer (and over all layers), the context tokens with the most head-averaged weight."""
    a, context = found.attention, found.context
    lines = [
        f"{model}, token {token}: {_token(found.chosen.text)}. Attention of its query (at "
        f"{_token(context[-1].text)}, the last of {len(context)} tokens read), averaged over "
        f"{a.heads} head(s); 'text'@place among them:"
    ]
    rows = [(f"layer {i + 1}", a.row(i)) for i in range(a.layers)] + [("all layers", a.row())]
    width = max(len(name) for name, _ in rows) + 2
    for name, w in rows:
        order = w.argsort()[::-1][:TOP]
        cells = [f"{_token(context[j].text)}@{j + 1} {pct(float(w[j]))}" for j in order]
        lines.append((name.ljust(width) + "   ".join(cells)).rstrip())
    return "\n".join(lines)


def _depth(layer: int) -> str:
    return "embedding" if layer == 0 else f"layer {layer}"


def lens_table(model: str, token: int, found) -> str:
    """Depths x the five likeliest tokens there, the drawn token's place, the first it leads."""
    lens, chosen = found.lens, found.chosen
    first = lens.first_on_top
    leads = (
        f"first on top at {_depth(first)}"
        if first is not None
        else "never on top (the model did not make it its first choice)"
    )
    lines = [f"{model}, token {token}: {_token(chosen.text)}, {leads}. Logit lens:"]
    cells = [
        [f"{_token(c.text)} {pct(c.prob)}" for c in x.top]
        + [f"{pct(x.chosen_prob)} (#{x.chosen_rank})"]
        for x in lens.layers
    ]
    heads = [f"{n}" for n in ("1st", "2nd", "3rd", "4th", "5th")][: len(lens.layers[0].top)]
    heads.append(f"{_token(chosen.text)} drawn")
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(heads)]
    label_w = max(len(_depth(x.layer)) for x in lens.layers) + 4
    heads_text = "  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))
    lines.append(("".ljust(label_w) + heads_text).rstrip())
    for x, row in zip(lens.layers, cells, strict=True):
        label = ("> " if x.layer == first else "  ") + _depth(x.layer)
        cells_text = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
        lines.append((label.ljust(label_w) + cells_text).rstrip())
    return "\n".join(lines)
