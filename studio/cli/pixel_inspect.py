"""`aigc-studio inspect --pixel`: what one pixel of an exported image run looked at.

    aigc-studio inspect --run image-run.json --pixel 5,9 --attention [--layer L --head H]
                        [--sample S] [--out overlay.png] [--json]

The same numbers as the window's overlay (Look inside, then a click on a drawn pixel). Emoji (the
image GPT): the attention of the query that predicted the pixel, over the earlier pixels and the
start token, averaged over layers and heads unless --layer/--head choose one (from 1). Digits (the
PixelCNN): the gradient saliency |d log P(drawn value) / d pixel| under the run's label. Printed
as a character map of the picture (the pixel is X, later pixels are blank) with the most weighted
pixels; --out writes the picture with the overlay, enlarged; --json gives every number.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from studio.io.display_format import pct

RAMP = " .:-=+*#%@"  # the map's characters, from nothing to the largest value
TOP = 5


def add_pixel_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pixel", help="ROW,COL of an image run's pixel, from 0 (with --attention)")
    p.add_argument("--sample", type=int, default=1, help="which image of a batch, from 1")
    p.add_argument("--layer", type=int, help="with --pixel: one layer's attention, from 1")
    p.add_argument("--head", type=int, help="with --pixel: one head's attention, from 1")
    p.add_argument("--out", help="with --pixel: write the picture with the overlay (.png)")


def parse_pixel(text: str | None) -> tuple[int, int]:
    from studio.core.errors import SettingsError

    if text is None:
        raise SettingsError("an image run: say which pixel, --pixel ROW,COL (from 0)")
    parts = text.replace(" ", "").split(",")
    try:
        row, col = (int(x) for x in parts)
    except ValueError:
        raise SettingsError(f"--pixel {text}: give ROW,COL, two whole numbers, e.g. 5,9") from None
    return row, col


def pixel_command(args: argparse.Namespace, run) -> int:
    from studio.cli.stages_command import model_of
    from studio.core.errors import SettingsError
    from studio.io.image_export import decode_png

    if run.kind != "image":
        raise SettingsError(f"{args.run}: a text run; --pixel is for image runs (use --token)")
    if args.lens:
        raise SettingsError("--lens is for text runs; an image run's pixel has --attention")
    if args.token is not None:
        raise SettingsError("--token is for text runs; an image run's pixel is --pixel ROW,COL")
    row, col = parse_pixel(args.pixel)
    images = run.media.get("images") or []
    if not 1 <= args.sample <= len(images):
        raise SettingsError(f"--sample {args.sample}: the run has {len(images)} image(s)")
    picture = decode_png(images[args.sample - 1])
    from studio.engine.formats.model_finder import load_model
    from studio.engine.image.inspect_pixel import check_pixel, inspect_pixel

    loaded = load_model(model_of(run, args.model), device=args.device)
    check_pixel(loaded, row, col)  # before the layer and head: the coordinates come first
    found = inspect_pixel(loaded, picture, row, col, run.settings.get("label"))
    layer, head = _selection(found, args.layer, args.head)
    if args.out:
        from studio.io.image_export import save_png, scale_for
        from studio.io.pixel_overlay import overlay_picture

        scale = scale_for(found.height, found.width)
        save_png(args.out, overlay_picture(picture, found.scaled(layer, head), row, col, scale))
    if args.json:
        out = {"model": loaded.name, "sample": args.sample, **found.to_dict()}
        out["selection"] = {"layer": args.layer, "head": args.head}
        out["selected_map"] = found.map(layer, head).tolist()
        print(json.dumps(out))
        return 0
    print(pixel_report(loaded.name, found, layer, head, loaded.extras.get("palette")))
    if args.out:
        print(f"wrote {args.out}")
    return 0


def _selection(found, layer: int | None, head: int | None) -> tuple[int | None, int | None]:
    """--layer and --head (from 1) as indices from 0, checked."""
    from studio.core.errors import SettingsError
    from studio.core.pixel_inspection import SALIENCY_KIND

    if found.kind == SALIENCY_KIND and (layer is not None or head is not None):
        raise SettingsError("the digits model's gradient saliency has no layers or heads to choose")
    for name, v, n in (("--layer", layer, found.layers), ("--head", head, found.heads)):
        if v is not None and not 1 <= v <= n:
            raise SettingsError(f"{name} {v}: the model has {n}, 1 to {n}")
    return (None if layer is None else layer - 1), (None if head is None else head - 1)


def _value_text(found, palette) -> str:
    if palette is None:
        return f"grey level {found.value}"
    r, g, b = (int(x) for x in np.asarray(palette)[found.value])
    return f"palette colour {found.value} (#{r:02x}{g:02x}{b:02x})"


def char_map(found, scaled: np.ndarray) -> str:
    """The picture as characters: each earlier pixel by its scaled value, the pixel X, later
    pixels blank; column numbers every 5 above."""
    H, W = scaled.shape
    head = "".join(str(c // 10) if c % 5 == 0 and c >= 10 else " " for c in range(W))
    ones = "".join(str(c % 10) if c % 5 == 0 else " " for c in range(W))
    lines = [f"    {head}".rstrip(), f"    {ones}".rstrip()]
    for r in range(H):
        cells = []
        for c in range(W):
            t = r * W + c
            if t == found.position:
                cells.append("X")
            elif t > found.position:
                cells.append(" ")
            else:
                cells.append(RAMP[min(len(RAMP) - 1, int(np.ceil(scaled[r, c] * (len(RAMP) - 1))))])
        lines.append(f"{r:3d} {''.join(cells)}".rstrip())
    return "\n".join(lines)


def pixel_report(model: str, found, layer: int | None, head: int | None, palette) -> str:
    from studio.core.pixel_inspection import ATTENTION_KIND

    m = found.map(layer, head)
    where = f"pixel ({found.row}, {found.col}): {_value_text(found, palette)}"
    lines = [f"{model}, {where}, P = {pct(float(np.exp(found.log_prob)))}."]
    if found.kind == ATTENTION_KIND:
        chosen = (
            f"layer {layer + 1}" if layer is not None else f"averaged over {found.layers} layers"
        ) + (f", head {head + 1}" if head is not None else f", {found.heads} heads")
        lines.append(
            f"Attention of the query that predicted it ({chosen}): the start token "
            f"{pct(found.start_weight(layer, head))}, the earlier pixels as below."
        )
        fmt = pct
    else:
        label = "any" if found.label is None else str(found.label)
        lines.append(
            f"Gradient saliency under label {label}: |d log P / d pixel| per grey level of each "
            "earlier pixel (the later ones cannot matter)."
        )

        def fmt(v: float) -> str:
            return f"{v:.2e}"

    scaled = found.scaled(layer, head)
    lines.append(char_map(found, scaled))
    flat = m.reshape(-1)
    order = [int(i) for i in np.argsort(-flat, kind="stable")[:TOP] if flat[i] > 0]
    if order:
        cells = [f"({i // found.width}, {i % found.width}) {fmt(float(flat[i]))}" for i in order]
        lines.append("Most: " + "   ".join(cells))
    else:
        lines.append("No earlier pixel: the first pixel depends on none.")
    if found.kind == ATTENTION_KIND and layer is None:
        for i in range(found.layers):
            row = found.map(i, head).reshape(-1)
            j = int(row.argmax())
            best = f"({j // found.width}, {j % found.width}) {pct(float(row[j]))}" if row[j] else ""
            lines.append(
                f"  layer {i + 1}: start {pct(found.start_weight(i, head))}"
                + (f", most at {best}" if best else "")
            )
    return "\n".join(lines)
