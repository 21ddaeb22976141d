"""The image half of the command line: generate, eval and train for image models.

Errors a person can fix (a label the model does not have, an init image that cannot be read or has
the wrong size, an unwritable output) print one line and exit with status 2. An init image of the
wrong size is refused, not resized: resizing would change the very pixels the person asked to keep.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from studio.cli.train_flags import (
    add_budget_flags,
    add_machine_flags,
    add_set_flag,
    add_watch_flags,
    finish_plot,
    run_fields,
    watch_from,
)


def add_train_image_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model-kind", choices=["digits", "emoji"], required=True)
    p.add_argument("--out", required=True, help="model file to write (.safetensors)")
    p.add_argument(
        "--data",
        help="MNIST folder (digits) or noto-emoji-png32.tar.gz (emoji); "
        "default: $AIGC_STUDIO_DATA/mnist or $AIGC_STUDIO_DATA/noto-emoji-png32/...",
    )
    add_budget_flags(p, max_steps=100_000)
    add_watch_flags(p)
    p.add_argument(
        "--init-from",
        metavar="MODEL_FILE",
        help="start from this model file's weights (same sizes; new position biases start at 0)",
    )
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--name", help="model name (default: file stem)")
    p.add_argument("--title", help="display title")
    add_machine_flags(p)
    p.add_argument("--eval-interval", type=int, default=200)
    add_set_flag(
        p,
        "override a size or rate (digits: channels, n_layers, kernel, n_mix, head_channels, "
        "position_bias, batch_size, lr; emoji: n_layer, n_head, n_embd, batch_size, lr, size, palette)",
    )


def default_data(kind: str) -> str | None:
    import os

    root = os.environ.get("AIGC_STUDIO_DATA")
    if not root:
        return None
    if kind == "digits":
        return str(Path(root) / "mnist")
    return str(Path(root) / "noto-emoji-png32" / "noto-emoji-png32.tar.gz")


def _fail(message: str) -> int:
    print(f"aigc-studio: error: {message}", file=sys.stderr)
    return 2


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "--:--"
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


def train_image_command(args: argparse.Namespace) -> int:
    from studio.engine.train.image_task import ImageTrainConfig, train_image

    data = args.data or default_data(args.model_kind)
    if not data:
        return _fail("--data is needed (the MNIST folder or the emoji tarball)")
    watch = watch_from(args)
    cfg = ImageTrainConfig(
        kind=args.model_kind, data=data, init_from=args.init_from, **run_fields(args)
    )
    err = sys.stderr
    last_line = -1
    for e in train_image(cfg, watch):
        if e.kind == "start":
            print(f"training {e.message}; starting at step {e.step}", file=err, flush=True)
        elif e.kind == "step" and e.step // 25 != last_line:
            last_line = e.step // 25
            print(
                f"step {e.step} loss {e.loss:.4f} bits/dim {e.tokens_per_s:,.0f} dims/s "
                f"elapsed {_fmt_time(e.elapsed_s)} left {_fmt_time(e.eta_s)}",
                file=err,
                flush=True,
            )
        elif e.kind == "eval":
            print(f"step {e.step}: held-out {e.val_loss:.4f} bits/dim", file=err, flush=True)
        elif e.kind == "done":
            print(
                f"done: {e.message}, held-out {e.val_loss:.4f} bits/dim, "
                f"{_fmt_time(e.elapsed_s)} in all",
                file=err,
                flush=True,
            )
    finish_plot(args)
    return 0


def eval_image_command(args: argparse.Namespace, loaded) -> int:
    from studio.engine.image.evaluation import evaluate_image_model

    data = getattr(args, "data", None) or default_data(
        "digits" if loaded.kind == "image-pixelcnn" else "emoji"
    )
    trained_on = (loaded.card.get("data") or {}).get("path")
    if not data and isinstance(trained_on, str) and Path(trained_on).exists():
        data = trained_on  # where the model was trained from, when it is still there
    if not data:
        return _fail("--data is needed to score an image model (the MNIST folder or emoji tarball)")
    r = evaluate_image_model(loaded, data)
    if args.json:
        print(json.dumps(r))
    else:
        extra = ""
        if "bits_per_dim_any_label" in r:
            extra = f" (with the 'any digit' label: {r['bits_per_dim_any_label']:.4f})"
        print(
            f"{loaded.name}: held-out {r['bits_per_dim']:.4f} bits/dim over {r['images']} "
            f"images{extra}"
        )
    return 0


def _parse_label(loaded, raw: str | None) -> int | None:
    """--label as the model's label index; None for "any". Raises SettingsError with one line."""
    from studio.core.errors import SettingsError

    labels = loaded.extras.get("labels")
    if raw is None or raw.strip().lower() in ("", "any"):
        return None
    if not labels:
        raise SettingsError(f"--label {raw}: {loaded.name} draws without labels; leave it out")
    if raw.strip() in labels:
        return labels.index(raw.strip())
    raise SettingsError(
        f"--label {raw}: {loaded.name} knows the labels {labels[0]}-{labels[-1]} and 'any'"
    )


def grid(images: list, gap: int = 2):
    """Images (H, W) or (H, W, 3) uint8 side by side in a square-ish grid with a grey gap."""
    from studio.io.image_export import grid as _grid

    return _grid(images, gap)


def png_meta_for(loaded, settings, seed: int, extra: dict | None = None) -> dict:
    """The text chunks of a generated PNG: enough to restore the settings and redraw it."""
    from studio.io.image_export import png_meta_for as _meta

    return _meta(loaded.name, loaded.title, settings.to_dict(), seed, extra)


def generate_image_command(args: argparse.Namespace, loaded) -> int:
    import threading

    import numpy as np

    from studio.cli.interrupt import EXIT_INTERRUPTED, ctrl_c_cancels, stop_phrase
    from studio.cli.outputs import check_generate_outputs
    from studio.engine.image.generation import check_settings, generate_image, render
    from studio.settings import SCHEMA, ImageSettings

    if args.prompt:
        return _fail(f"--prompt is for text models; {loaded.name} draws images")
    if args.keep_rows is not None and not args.init:
        return _fail("--keep-rows needs --init, the image whose rows to keep")
    fmt = check_generate_outputs(args.output, args.gif, "image", args.force)
    label = _parse_label(loaded, args.label)
    init = mask = None
    if args.init:
        from studio.io.init_image import read_init_image

        init, mask = read_init_image(
            args.init,
            loaded.extras["height"],
            loaded.extras["width"],
            grey=loaded.extras["channels"] == 1,
            keep_rows=args.keep_rows,
            model=loaded.name,
        )
    # the flags' values, checked by the schema; the repetition penalty is left out (no text)
    settings = ImageSettings.from_values({**vars(args), "label": label})
    check_settings(loaded, settings)  # before any warning: a refused run says one line
    H, W = loaded.extras["height"], loaded.extras["width"]
    B = settings.num_samples
    if args.repetition_penalty != SCHEMA["repetition_penalty"].default:
        print("warning: --repetition-penalty has no effect on images", file=sys.stderr)
    if not args.output and not args.gif and args.format == "text":
        print("warning: no --output given; the image is not saved", file=sys.stderr)
    tokens = np.zeros((B, H * W), dtype=np.int64)
    if init is not None:
        flat = init.reshape(H * W, -1)
        if loaded.extras["channels"] == 1:
            tokens[:] = flat[:, 0]
        else:
            from studio.engine.image.datasets import quantize

            tokens[:] = quantize(init, loaded.extras["palette"]).reshape(-1)
    frames: list = []
    gif_step = W  # one frame per row
    animate = bool(args.gif) or fmt == ".gif"

    def snapshot() -> None:
        ims = [render(loaded, tokens[i], init, mask) for i in range(B)]
        frames.append(grid(ims) if B > 1 else ims[0])

    if animate:
        snapshot()
    images: dict[int, np.ndarray] = {}
    to_draw = H * W - (int(mask.sum()) if mask is not None else 0)
    seed = 0
    reason = "length"
    out = sys.stdout
    pixels_done = 0
    run_events: list = []  # every event, for a .json run
    cancel = threading.Event()
    with ctrl_c_cancels(cancel):
        for event in generate_image(loaded, settings, init=init, mask=mask, cancel=cancel):
            if fmt == ".json":
                run_events.append(event)
            if args.format == "jsonl":
                out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
            kind = event.event
            if kind == "start":
                seed = event.seed
                if args.format == "text" and not settings.sampling.greedy:
                    print(f"seed {seed}", file=sys.stderr)
            elif kind == "pixel":
                tokens[event.sample, event.row * W + event.col] = event.value
                if event.sample == B - 1:
                    pixels_done += 1
                    if animate and pixels_done % gif_step == 0:
                        snapshot()
            elif kind == "done":
                images[event.sample] = event.image
                reason = event.stop_reason
                # the summary goes to standard error, also beside --format jsonl
                drawn = f"{event.tokens} pixels"
                if event.stop_reason != "length":
                    drawn = f"{event.tokens} of {to_draw} pixels"
                print(
                    f"[sample {event.sample}: {drawn}, {event.tokens_per_s:.0f} pixels/s, "
                    f"{stop_phrase(event.stop_reason)}]",
                    file=sys.stderr,
                )
    out.flush()
    final = [images[i] for i in range(B)]
    picture = final[0] if B == 1 else grid(final)
    extra = {"label": args.label or "any"}
    if settings.guidance != SCHEMA["guidance"].default:
        extra["guidance"] = settings.guidance
    if args.init:
        extra["init"] = Path(args.init).name
        extra["kept_pixels"] = int(mask.sum())
        if args.keep_rows is not None:
            extra["keep_rows"] = args.keep_rows
    if B > 1:
        extra["grid"] = f"{B} samples, sample i drawn with seed {seed}+i, row by row"
    if reason != "length":  # a stopped run says so, and how far it got
        extra["stop_reason"] = reason
        extra["pixels"] = pixels_done
    scale = args.scale if args.scale is not None else scale_for(*picture.shape[:2])
    if animate:
        frames.append(picture)
    if fmt == ".png":
        _save_png(args.output, picture, png_meta_for(loaded, settings, seed, extra), scale)
    elif fmt == ".gif":
        _save_gif(args.output, frames, scale)
    elif fmt == ".json":
        write_image_run(args, loaded, settings, init, mask, run_events, pixels_done)
    if args.gif:
        _save_gif(args.gif, frames, scale)
    return EXIT_INTERRUPTED if cancel.is_set() else 0


def write_image_run(args, loaded, settings, init, mask, events: list, steps: int) -> None:
    """The run as the window records it (io.image_run: pictures and pixel maps), written
    atomically as .json; File > Open in the window shows it."""
    from studio.core.image_frames import ImageRequest, image_frame
    from studio.io.export import export_run
    from studio.io.image_run import ImageRun
    from studio.server.handlers import image_geometry

    model = {"name": loaded.name, "title": loaded.card.get("title") or loaded.name}
    model["path"] = str(loaded.path)
    request = ImageRequest(
        settings=settings.to_dict(), init=init, mask=mask, label_name=args.label or "any"
    )
    run = ImageRun(model, image_geometry(loaded), request)
    run.add(image_frame(events, steps))
    record = run.record()
    if record is not None:
        export_run(args.output, record)


def _save_png(path: str, picture, meta: dict, scale: int) -> None:
    """The picture enlarged `scale` times, its `scale` in the chunks so that opening it (File >
    Open, --init, Load Image) reads the model's pixels back."""
    from studio.io.image_export import save_png, upscale

    save_png(path, upscale(picture, scale), {**meta, "scale": str(scale)} if scale > 1 else meta)


def _save_gif(path: str, frames: list, scale: int) -> None:
    """An animated GIF of the drawing, each frame scaled up `scale` times (nearest neighbour)."""
    from studio.io.image_export import save_gif

    save_gif(path, frames, scale)


def scale_for(height: int, width: int) -> int:
    from studio.io.image_export import scale_for as _scale_for

    return _scale_for(height, width)
