"""`aigc-studio`: the studio window, and the engine headless.

Without a subcommand it opens the window. Subcommands: models, generate, eval, train, bench.
Errors a person can fix print one line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _add_models(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list the models the studio can open")
    p.add_argument("--json", action="store_true", help="one JSON array")


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate text (or an image) from a model")
    p.add_argument("--model", required=True, help="model name or path")
    p.add_argument("--prompt", default="", help="text to continue")
    p.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=0, help="0 = off")
    p.add_argument("--top-p", type=float, default=1.0, help="1 = off")
    p.add_argument("--min-p", type=float, default=0.0, help="0 = off")
    p.add_argument("--repetition-penalty", type=float, default=1.0, help="1 = off")
    p.add_argument("--max-new-tokens", type=int, default=200)
    p.add_argument("--seed", type=int, help="fixes the output; drawn and reported when absent")
    p.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    p.add_argument("--ignore-eos", action="store_true")
    p.add_argument("--num-samples", type=int, default=1)
    p.add_argument("--top-n", type=int, default=5, help="alternatives reported per token")
    p.add_argument(
        "--context",
        choices=["slide", "shift"],
        default="slide",
        help="past the context window: drop one token per step with a full pass each (slide, "
        "nanoGPT's sampler), or keep the window's newest half and go on cached (shift, fast)",
    )
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.add_argument(
        "--output",
        help="also write the result to this file: .json writes the run as the window exports it "
        "(settings, seed, per-token trace; File > Open and `aigc-studio stages` read it); "
        "for image models .png writes the picture, .json the run (pictures and pixel maps)",
    )
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--threads", type=int)
    # image models
    p.add_argument("--label", help="class label for class-conditional image models")
    p.add_argument(
        "--guidance",
        type=float,
        default=1.0,
        help="class-conditional image models: classifier-free guidance scale (1 = none; 2-4 "
        "makes samples look more like the label, at twice the compute)",
    )
    p.add_argument("--gif", help="write an animated GIF of the generation")
    p.add_argument("--init", help="image to complete")
    p.add_argument("--keep-rows", type=int, help="rows of --init to keep")
    p.add_argument(
        "--distribution",
        action="store_true",
        help="image models: every pixel event carries the distribution it was drawn from",
    )


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score a model on held-out data")
    p.add_argument("--model", required=True)
    p.add_argument("--text", help="UTF-8 text file to score (text models)")
    p.add_argument("--data", help="image models: the MNIST folder or the emoji tarball")
    p.add_argument("--json", action="store_true")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--threads", type=int)


def _cmd_models(args: argparse.Namespace) -> int:
    import json

    from studio.engine.formats.model_finder import list_models

    models, problems = list_models()
    if args.json:
        print(json.dumps([m.to_json() for m in models], ensure_ascii=False, indent=2))
    else:
        if not models:
            print("no models found")
        for m in models:
            metrics = m.card.get("metrics", {})
            extra = ""
            for key, unit in (
                ("val_loss_nats_per_token", "nats/token"),
                ("heldout_bits_per_dim", "bits/dim"),
            ):
                v = metrics.get(key)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    extra = f"  held-out {v:.3f} {unit}"
                    break
            print(f"{m.name:<16} {m.kind:<15} {m.size_bytes / 1e6:6.1f} MB  {m.title}{extra}")
            print(f"{'':<16} {m.path}")
    for p in problems:
        print(f"warning: {p}", file=sys.stderr)
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    import json

    from studio.engine.device import set_threads
    from studio.engine.formats.model_finder import load_model

    set_threads(args.threads)
    loaded = load_model(args.model, device=args.device)
    if loaded.kind.startswith("image-"):
        from studio.cli.image_commands import generate_image_command

        return generate_image_command(args, loaded)
    if args.label or args.gif or args.init or args.keep_rows is not None or args.guidance != 1.0:
        return _fail(
            f"--label, --guidance, --gif, --init and --keep-rows are for image models; "
            f"{loaded.name} is a text model"
        )
    from studio.engine.sampling.chain import SamplingSettings
    from studio.engine.text.generation import GenerationSettings, generate_text

    settings = GenerationSettings(
        sampling=SamplingSettings(
            temperature=args.temperature,
            top_k=args.top_k,
            top_p=args.top_p,
            min_p=args.min_p,
            repetition_penalty=args.repetition_penalty,
        ),
        max_new_tokens=args.max_new_tokens,
        seed=args.seed,
        stop=tuple(args.stop),
        ignore_eos=args.ignore_eos,
        context=args.context,
        num_samples=args.num_samples,
        top_n=args.top_n,
    )
    if args.output:
        from pathlib import Path

        folder = Path(args.output).resolve().parent
        if not folder.is_dir():  # said before generating, not after
            return _fail(f"{args.output}: the folder {folder} does not exist")
    as_run = bool(args.output) and args.output.lower().endswith(".json")
    if as_run and settings.num_samples > 1:
        return _fail(
            f"{args.output}: a .json run holds one sample; write several with "
            "--format jsonl --output FILE.jsonl"
        )
    out_lines: list[str] = []
    texts: dict[int, str] = {}
    run_events: dict = {"tokens": []}  # sample 0's, for a .json run
    multi = settings.num_samples > 1
    out = sys.stdout
    for event in generate_text(loaded, args.prompt, settings):
        if as_run:
            kind = event.event
            if kind == "token" and event.sample == 0:
                run_events["tokens"].append(event)
            elif kind == "start" or (kind == "done" and event.sample == 0):
                run_events[kind] = event
        if args.format == "jsonl":
            line = json.dumps(event.to_json(), ensure_ascii=False)
            out.write(line + "\n")
            out_lines.append(line)
            continue
        kind = event.event
        if kind == "warning":
            print(f"warning: {event.message}", file=sys.stderr)
        elif kind == "start":
            print(f"seed {event.seed}", file=sys.stderr)
            if not multi:
                out.write(args.prompt)
        elif kind == "token" and not multi:
            out.write(event.text)
            out.flush()
        elif kind == "done":
            texts[event.sample] = event.text
            if multi:
                out.write(
                    f"--- sample {event.sample} ({event.stop_reason})\n{args.prompt}{event.text}\n"
                )
            else:
                out.write("\n")
            print(
                f"[{event.tokens} tokens, {event.tokens_per_s:.1f} tok/s, first token "
                f"{event.ttft_ms:.0f} ms, stop: {event.stop_reason}]",
                file=sys.stderr,
            )
    out.flush()
    if args.output:
        from studio.engine.formats.studio_file import atomic_write_bytes

        if as_run:
            return _write_run(args, loaded, settings, run_events)
        if args.format == "jsonl":
            data = "\n".join(out_lines) + "\n"
        else:
            data = "\n\n".join(args.prompt + texts[i] for i in sorted(texts)) + "\n"
        try:
            atomic_write_bytes(args.output, data.encode("utf-8"))
        except OSError as e:
            return _fail(f"{args.output}: cannot write ({e.strerror or e})")
    return 0


def _write_run(args: argparse.Namespace, loaded, settings, events: dict) -> int:
    """Write sample 0 as an exported run (.json), atomically."""
    from studio.io.export import export_run
    from studio.io.run import RunRecord

    model = {
        "name": loaded.name,
        "title": loaded.card.get("title") or loaded.name,
        "path": str(loaded.path),
    }
    record = RunRecord.from_events(
        model, args.prompt, settings.to_dict(), events["start"], events["done"], events["tokens"]
    )
    try:
        export_run(args.output, record)
    except OSError as e:
        return _fail(f"{args.output}: cannot write ({e.strerror or e})")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    import json
    import math

    from studio.engine.device import set_threads
    from studio.engine.formats.model_finder import load_model

    set_threads(args.threads)
    loaded = load_model(args.model, device=args.device)
    if loaded.kind.startswith("image-"):
        from studio.cli.image_commands import eval_image_command

        return eval_image_command(args, loaded)
    if not args.text:
        return _fail("--text FILE is needed to score a text model")
    from studio.engine.text.evaluation import evaluate_text_file

    r = evaluate_text_file(loaded, args.text)
    if args.json:
        print(json.dumps(r))
    else:
        print(
            f"{loaded.name} on {args.text}: {r['nats_per_token']:.4f} nats/token, "
            f"{r['bits_per_char']:.4f} bits/char ({r['tokens']} tokens, {r['chars']} characters)"
        )
    return 0 if math.isfinite(r["nats_per_token"]) else 1


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model on your own data")
    tsub = p.add_subparsers(dest="train_kind", required=True)
    _add_train_image(tsub)
    t = tsub.add_parser("text", help="train a character-level GPT on a UTF-8 text file")
    t.add_argument("--corpus", required=True, help="UTF-8 text file")
    t.add_argument("--out", required=True, help="model file to write (.safetensors)")
    t.add_argument("--preset", default="small", help="model size: tiny, small, medium, large")
    t.add_argument("--minutes", type=float, help="time budget; the schedule anneals to it")
    t.add_argument("--max-steps", type=int, default=5000)
    t.add_argument("--resume", action="store_true", help="continue from <out>.ckpt")
    t.add_argument("--seed", type=int, default=1337)
    t.add_argument("--val-fraction", type=float, default=0.1, help="held out from the end")
    t.add_argument("--source", default="", help="a SOURCE.md file or text naming the data")
    t.add_argument("--license", default="", help="the data's license, for the card")
    t.add_argument("--name", help="model name (default: file stem)")
    t.add_argument("--title", help="display title")
    t.add_argument("--align", help="training windows start after this separator, e.g. '\\n\\n'")
    t.add_argument("--half", action="store_true", help="store float16 weights")
    t.add_argument("--threads", type=int)
    t.add_argument(
        "--device",
        default="auto",
        choices=["auto", "cpu", "cuda", "mps"],
        help="where to train (auto: a GPU if there is one)",
    )
    t.add_argument("--eval-interval", type=int, default=250)
    t.add_argument("--lr", type=float, help="override the preset's peak learning rate")
    t.add_argument("--dropout", type=float, default=0.0)
    t.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a preset field (n_layer, n_embd, n_head, block_size, batch_size)",
    )


def _add_train_image(tsub: argparse._SubParsersAction) -> None:
    from studio.cli.image_commands import add_train_image_args

    add_train_image_args(tsub.add_parser("image", help="train an image model (digits, emoji)"))


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed against a peer, in one run")
    p.add_argument("what", choices=["text", "ui", "image"])
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="fewer tokens, for a smoke test")


def _cmd_bench(args: argparse.Namespace) -> int:
    import importlib

    module = importlib.import_module(f"studio.benchmarks.{args.what}")
    return module.run(args)


def _cmd_stages(args: argparse.Namespace) -> int:
    from studio.cli.stages_command import stages_command

    return stages_command(args)


def _cmd_train(args: argparse.Namespace) -> int:
    if args.train_kind == "image":
        from studio.cli.image_commands import train_image_command

        return train_image_command(args)
    import shlex
    from pathlib import Path

    from studio.engine.train.text_task import TrainConfig, train_text

    overrides: dict = {}
    for kv in args.set:
        key, _, value = kv.partition("=")
        if not value:
            raise SystemExit(_fail(f"--set {kv}: expected KEY=VALUE"))
        overrides[key] = float(value) if "." in value else int(value)
    if args.lr:
        overrides["lr"] = args.lr
    source = args.source
    if source and Path(source).is_file():
        source = Path(source).read_text(encoding="utf-8").strip().splitlines()[0].lstrip("# ")
    align = args.align.encode().decode("unicode_escape") if args.align else None
    cfg = TrainConfig(
        corpus=args.corpus,
        out=args.out,
        preset=args.preset,
        name=args.name,
        title=args.title,
        max_steps=args.max_steps,
        minutes=args.minutes,
        seed=args.seed,
        val_fraction=args.val_fraction,
        eval_interval=args.eval_interval,
        checkpoint_interval=args.eval_interval,
        resume=args.resume,
        source=source,
        license=args.license,
        align=align,
        half=args.half,
        threads=args.threads,
        device=args.device,
        dropout=args.dropout,
        overrides=overrides,
        command="aigc-studio " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
    )
    from studio.cli.progress import TrainProgress

    progress = TrainProgress(sys.stderr)
    for event in train_text(cfg):
        progress.show(event)
    return 0


def _fail(message: str) -> int:
    print(f"aigc-studio: error: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    from studio import __version__

    parser = argparse.ArgumentParser(
        prog="aigc-studio",
        description="Watch and steer generative models write and draw. Without a command, opens the studio.",
    )
    parser.add_argument("--version", action="version", version=f"aigc-studio {__version__}")
    parser.add_argument(
        "--model",
        dest="open_model",
        metavar="NAME|PATH",
        help="the model the studio opens with (a bundled name, a file or a folder)",
    )
    sub = parser.add_subparsers(dest="command")
    _add_models(sub)
    _add_generate(sub)
    _add_eval(sub)
    _add_train(sub)
    _add_bench(sub)
    from studio.cli.stages_command import add_stages_args

    add_stages_args(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from studio.ui.app import run_app

        return run_app(model=args.open_model)
    from studio.core.errors import StudioError

    handlers = {
        "train": _cmd_train,
        "models": _cmd_models,
        "generate": _cmd_generate,
        "eval": _cmd_eval,
        "bench": _cmd_bench,
        "stages": _cmd_stages,
    }
    try:
        return handlers[args.command](args)
    except StudioError as e:
        return _fail(str(e))
    except ValueError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader (e.g. `head`) went away: not an error of ours
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
