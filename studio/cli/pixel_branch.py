"""`aigc-studio generate --from image-run.json --at ROW,COL --choose VALUE`: a branch of an
exported image run.

Every pixel of the run's picture before (ROW, COL) in raster order is kept, VALUE (a grey level
0-255 for digits, a palette index for emoji) goes at (ROW, COL), and the rest is drawn again with
the run's settings and its seed moved on to that pixel (engine/image/branching.py). A run of
several samples is branched at one of them (--sample I, from 0; default 0), as a run of one
picture. --output FILE.json gets the tree with the new branch; FILE.png the branch's picture.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from studio.cli.interrupt import EXIT_INTERRUPTED, ctrl_c_cancels, stop_phrase
from studio.core.errors import SettingsError
from studio.io.run_tree import RunTree


def parse_pixel(at: str, height: int, width: int) -> tuple[int, int]:
    """--at ROW,COL as (row, col) inside a height x width picture; SettingsError otherwise."""
    parts = at.replace(" ", "").split(",")
    try:
        row, col = (int(p) for p in parts)
    except ValueError:
        raise SettingsError(
            f"--at {at}: an image run is branched at a pixel; give --at ROW,COL "
            f"(rows 0-{height - 1}, columns 0-{width - 1})"
        ) from None
    if not (0 <= row < height and 0 <= col < width):
        raise SettingsError(
            f"--at {at}: outside the {width}x{height} picture "
            f"(rows 0-{height - 1}, columns 0-{width - 1})"
        )
    return row, col


def parse_value(args: argparse.Namespace, grey: bool, count: int) -> int:
    """--choose VALUE (or --choose-id) as a pixel value of the model; SettingsError otherwise."""
    raw = args.choose if args.choose is not None else str(args.choose_id)
    what = "a grey level 0-255" if grey else f"a palette index 0-{count - 1}"
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"--choose {raw}: give {what}") from None
    if not 0 <= value < count:
        raise SettingsError(f"--choose {value}: out of range; give {what}")
    return value


def drawn(media: dict, positions: int, tokens: int, fork: int) -> bool:
    """Whether raster position `fork` was drawn by a run that drew `tokens` pixels (a stopped
    run drew only the first ones, in raster order, of those it did not keep)."""
    import numpy as np

    from studio.io.image_export import decode_png

    kept = decode_png(media["kept"]).reshape(-1) > 0 if media.get("kept") else None
    free = np.flatnonzero(~kept) if kept is not None else np.arange(positions)
    return bool(fork in set(free[:tokens].tolist()))


def image_branch_command(args: argparse.Namespace, tree: RunTree) -> int:
    from studio.cli.outputs import OutputError

    shown = tree.path_record(args.node)
    m = shown.media
    H, W, B = int(m["height"]), int(m["width"]), len(m.get("images") or [])
    row, col = parse_pixel(args.at, H, W)
    if not 0 <= args.sample < B:
        raise SettingsError(f"--sample {args.sample}: the run has samples 0 to {B - 1}")
    fork = row * W + col
    if not drawn(m, H * W, shown.tokens, fork):
        raise SettingsError(
            f"--at {args.at}: pixel ({row}, {col}) was not drawn by the model in this run "
            "(kept from its init image, or after where it stopped)"
        )
    if args.output and not args.output.lower().endswith((".json", ".png")):
        raise SettingsError(f"--output {args.output}: an image branch is written to .json or .png")
    if args.output and Path(args.output).exists() and not args.force:
        raise OutputError(f"--output {args.output} exists; add --force to overwrite it")
    from studio.cli.stages_command import model_of
    from studio.core.events import DoneEvent, PixelEvent
    from studio.engine.formats.model_finder import load_model
    from studio.engine.image.branching import PixelBranch, value_count
    from studio.engine.image.generation import generate_image
    from studio.io.image_export import decode_png
    from studio.settings import ImageSettings

    parent, sample = tree.image_fork(args.node, args.sample, fork)
    owner = tree.nodes[parent].run
    loaded = load_model(model_of(owner, args.model), device=args.device)
    if not loaded.kind.startswith("image-"):
        raise SettingsError(f"{loaded.name} is a text model; this run was drawn by an image model")
    value = parse_value(args, loaded.extras.get("palette") is None, value_count(loaded))
    picture = decode_png(m["images"][args.sample])
    kept = decode_png(m["kept"]) > 0 if m.get("kept") else None
    settings = ImageSettings.from_dict(
        {**owner.settings, "seed": owner.seed + sample, "num_samples": 1}
    )
    branch = {"row": row, "col": col, "value": value, "sample": sample}
    events: list = []
    steps = 0
    cancel = threading.Event()
    with ctrl_c_cancels(cancel):
        for ev in generate_image(
            loaded, settings, picture, kept, cancel=cancel, branch=PixelBranch(row, col, value)
        ):
            events.append(ev)
            if isinstance(ev, PixelEvent):
                steps += 1
                if ev.by_hand:
                    print(
                        f"[branch at pixel ({row}, {col}) of sample {sample}: value {value} "
                        f"chosen by hand, model probability {ev.model_prob:.2%}]",
                        file=sys.stderr,
                    )
            elif isinstance(ev, DoneEvent):
                print(
                    f"[{ev.tokens} pixels drawn, {ev.tokens_per_s:.0f} pixels/s, "
                    f"{stop_phrase(ev.stop_reason)}]",
                    file=sys.stderr,
                )
    record = _record(loaded, settings, picture, kept, branch, owner, events, steps)
    key = tree.add(record, parent, fork)
    if args.output:
        _write(args, tree, key, loaded, settings)
    return EXIT_INTERRUPTED if cancel.is_set() else 0


def _record(loaded, settings, picture, kept, branch: dict, owner, events: list, steps: int):
    """The branch's run record, as the window records it (io.image_run)."""
    from studio.core.image_frames import ImageRequest, image_frame
    from studio.io.image_run import ImageRun
    from studio.server.handlers import image_geometry

    model = {"name": loaded.name, "title": loaded.card.get("title") or loaded.name}
    model["path"] = str(loaded.path)
    label = str(owner.media.get("label") or "any")
    request = ImageRequest(settings.to_dict(), picture, kept, label_name=label, branch=branch)
    run = ImageRun(model, image_geometry(loaded), request)
    run.add(image_frame(events, steps))
    record = run.record("cancelled")
    assert record is not None  # the engine started the run
    return record


def _write(args: argparse.Namespace, tree: RunTree, key: int, loaded, settings) -> None:
    from studio.cli.outputs import OutputError

    try:
        if args.output.lower().endswith(".json"):
            from studio.io.export import export_tree

            export_tree(args.output, tree, key)
        else:
            from studio.cli.image_commands import png_meta_for, scale_for
            from studio.io.image_export import decode_png, save_png, upscale

            record = tree.nodes[key].run
            c = record.media["chosen"]
            picture = decode_png(record.media["images"][0])
            meta = png_meta_for(
                loaded,
                settings,
                record.seed,
                {"branch": f"pixel ({c['row']}, {c['col']}) = {c['value']}, chosen by hand"},
            )
            scale = args.scale if args.scale is not None else scale_for(*picture.shape[:2])
            if scale > 1:
                meta["scale"] = str(scale)
            save_png(args.output, upscale(picture, scale), meta)
    except OSError as e:
        raise OutputError(f"--output {args.output}: cannot write ({e.strerror or e})") from None
    print(f"wrote {args.output} (node {key} of {len(tree)})", file=sys.stderr)
