"""`aigc-studio`: the studio window, and the engine headless.

Without a subcommand it opens the window. Subcommands: models, download, generate, eval, train,
bench, stages, inspect.
Errors a person can fix print one line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from studio.cli.setting_flags import add_dtype_flag, image_flags_given, image_flags_refusal
from studio.cli.train_flags import (
    add_budget_flags,
    add_machine_flags,
    add_set_flag,
    add_watch_flags,
    finish_plot,
    run_fields,
    watch_from,
)

if TYPE_CHECKING:  # the engine loads only when a command needs it
    from studio.engine.formats.studio_file import LoadedModel


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line that names the flag and where the full usage is."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_models(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list the models the studio can open")
    p.add_argument("--json", action="store_true", help="one JSON array")


def _add_generate(sub: argparse._SubParsersAction) -> None:
    from studio.cli.setting_flags import GENERATE_SETTINGS, add_setting_flags

    p = sub.add_parser("generate", help="generate text (or an image) from a model")
    p.add_argument("--model", help="model name or path (`aigc-studio models` lists them)")
    p.add_argument("--prompt", default="", help="text to continue; - reads standard input")
    p.add_argument("--prompt-file", metavar="FILE", help="read the prompt from a UTF-8 file")
    p.add_argument(
        "--chat",
        action="store_true",
        help="chat models: the prompt is the user's message, written out by the model's chat "
        "template, and the answer ends at the model's end of turn",
    )
    p.add_argument("--system", metavar="TEXT", help="with --chat: a system message before it")
    p.add_argument(
        "--source",
        metavar="TEXT",
        help="translation models: the English sentence to translate (- reads standard input)",
    )
    p.add_argument(
        "--beam",
        type=int,
        default=1,
        metavar="N",
        help="translation models: beam search of width N instead of sampling (1: sample, or "
        "greedy with --temperature 0)",
    )
    # every generation setting, text and image, from the schema (studio.settings)
    add_setting_flags(p, GENERATE_SETTINGS)
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.add_argument(
        "--output",
        metavar="FILE",
        help="also write the result to FILE, in the format its extension names: text models .txt "
        "(the text), .md (text and settings), .json (the run as the window exports it: settings, "
        "seed, per-token trace; File > Open and `aigc-studio stages` read it), .jsonl (the "
        "events); image models .png (with its settings), .gif (the drawing, animated) or "
        ".json (the run: pictures and pixel maps; File > Open shows it). "
        "Ctrl+C stops the run and still writes it",
    )
    p.add_argument(
        "--force", action="store_true", help="overwrite --output and --gif if they exist"
    )
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    add_dtype_flag(p)
    p.add_argument(
        "--threads",
        type=int,
        help="CPU threads (default: from the model's size and the cores free when the run starts)",
    )
    # image models (--label, --guidance, --sampler and --distribution are settings, above)
    p.add_argument("--gif", metavar="FILE.gif", help="write an animated GIF of the generation")
    p.add_argument(
        "--scale",
        type=int,
        metavar="N",
        help="image models: enlarge saved pictures N times, pixel by pixel (default: the least N "
        "that makes them 256 pixels or more; 1 keeps the model's size). Opening the PNG reads "
        "the model's pixels back",
    )
    p.add_argument("--init", help="image to complete")
    p.add_argument("--keep-rows", type=int, help="rows of --init to keep")
    from studio.cli.branch_command import add_branch_args

    add_branch_args(p)


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score a model on held-out data")
    p.add_argument("--model", help="model name or path (`aigc-studio models` lists them)")
    p.add_argument("--text", help="UTF-8 text file to score (text models)")
    p.add_argument(
        "--data",
        help="image models: the MNIST folder or the emoji tarball; translation models: the "
        "folder of the pairs they were trained on (default: the shared tatoeba-cmn-eng)",
    )
    p.add_argument(
        "--beam",
        type=int,
        default=4,
        help="translation models: the beam width scored besides greedy",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    add_dtype_flag(p)
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
                ("bleu_greedy", "BLEU (greedy)"),
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


def _load_model(args: argparse.Namespace) -> LoadedModel:
    """The model --model names, on --device, run with --threads threads or, without that flag,
    with threads chosen from the model's size and the cores free now."""
    from studio.engine.device import set_threads
    from studio.engine.formats.model_finder import load_model

    set_threads(args.threads)
    loaded = load_model(args.model, device=args.device, dtype=getattr(args, "dtype", "auto"))
    if args.threads is None:
        from studio.engine.cpu_threads import set_threads_for_run

        set_threads_for_run()
    return loaded


def _cmd_generate(args: argparse.Namespace) -> int:
    from studio.cli.outputs import check_generate_outputs
    from studio.cli.prompts import read_prompt
    from studio.cli.setting_flags import GENERATE_SETTINGS, read_setting_flags
    from studio.settings import GenerationSettings

    # a bad value is refused at once, before torch is imported or the model loaded
    read_setting_flags(args, GENERATE_SETTINGS)
    if args.from_run:  # a branch of an exported run, with its settings and model
        from studio.cli.branch_command import branch_command

        return branch_command(args)
    _need_model(args)
    args.prompt = read_prompt(args.prompt, args.prompt_file)
    if args.scale is not None and args.scale < 1:
        return _fail(f"--scale must be at least 1, got {args.scale}")
    if args.system is not None and not args.chat:
        return _fail("--system is for --chat runs")
    # said before the model loads; the formats the model's kind takes are checked once it has
    check_generate_outputs(args.output, args.gif, None, args.force)
    loaded = _load_model(args)
    from studio.cli.translate_commands import check_source_flags

    check_source_flags(args, loaded)
    if args.source is not None:
        from studio.cli.translate_commands import generate_translation_command

        return generate_translation_command(args, loaded)
    if loaded.kind.startswith("image-"):
        from studio.cli.image_commands import generate_image_command

        if args.chat:
            return _fail(f"--chat is for text models; {loaded.name} is an image model")
        return generate_image_command(args, loaded)
    if args.chat:
        from studio.engine.text.chat import chat_prompt

        args.prompt = chat_prompt(loaded, args.prompt, args.system)
    if image_flags_given(args):
        return _fail(image_flags_refusal(loaded.name, "text model"))
    settings = GenerationSettings.from_values(vars(args))
    from studio.cli.text_commands import generate_text_command

    return generate_text_command(args, loaded, settings)


def _need_model(args: argparse.Namespace) -> None:
    if not args.model:
        from studio.core.errors import SettingsError

        raise SettingsError(
            f"{args.command} needs --model NAME|PATH (`aigc-studio models` lists the models)"
        )


def _cmd_eval(args: argparse.Namespace) -> int:
    import json
    import math

    _need_model(args)
    loaded = _load_model(args)
    if loaded.kind == "translate-seq2seq":
        from studio.cli.translate_commands import eval_translation_command

        return eval_translation_command(args, loaded)
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
    _add_train_translate(tsub)
    t = tsub.add_parser("text", help="train a character-level GPT on a UTF-8 text file")
    t.add_argument("--corpus", required=True, help="UTF-8 text file")
    t.add_argument("--out", required=True, help="model file to write (.safetensors)")
    t.add_argument("--preset", default="small", help="model size: tiny, small, medium, large")
    t.add_argument(
        "--init-from",
        metavar="MODEL_FILE",
        help="fine-tune this character-level text model (its sizes and vocabulary; --lr 3e-4 "
        "unless given)",
    )
    add_budget_flags(t, max_steps=5000)
    add_watch_flags(t)
    t.add_argument("--seed", type=int, default=1337)
    t.add_argument("--val-fraction", type=float, default=0.1, help="held out from the end")
    t.add_argument("--source", default="", help="a SOURCE.md file or text naming the data")
    t.add_argument("--license", default="", help="the data's license, for the card")
    t.add_argument("--name", help="model name (default: file stem)")
    t.add_argument("--title", help="display title")
    t.add_argument("--align", help="training windows start after this separator, e.g. '\\n\\n'")
    add_machine_flags(t)
    t.add_argument("--eval-interval", type=int, default=250)
    t.add_argument("--lr", type=float, help="override the preset's peak learning rate")
    t.add_argument("--dropout", type=float, default=0.0)
    add_set_flag(t, "override a preset field (n_layer, n_embd, n_head, block_size, batch_size)")


def _add_train_image(tsub: argparse._SubParsersAction) -> None:
    from studio.cli.image_commands import add_train_image_args

    add_train_image_args(tsub.add_parser("image", help="train an image model (digits, emoji)"))


def _add_train_translate(tsub: argparse._SubParsersAction) -> None:
    from studio.cli.translate_commands import add_train_translate_args

    add_train_translate_args(
        tsub.add_parser(
            "translate", help="train an English→Chinese encoder–decoder on sentence pairs"
        )
    )


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed against a peer, in one run")
    p.add_argument("what", choices=["text", "ui", "image"])
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="fewer tokens, for a smoke test")
    p.add_argument(
        "--rows",
        choices=["all", "gpt", "llama"],
        default="all",
        help="text: only the GPT rows (tiny, GPT-2 shape, under load) or only the Llama-family "
        "rows (SmolLM2-135M and Qwen2.5-0.5B shapes: float32, int8, transformers)",
    )


def _cmd_bench(args: argparse.Namespace) -> int:
    import importlib

    module = importlib.import_module(f"studio.benchmarks.{args.what}")
    return module.run(args)


def _cmd_stages(args: argparse.Namespace) -> int:
    from studio.cli.stages_command import stages_command

    return stages_command(args)


def _cmd_inspect(args: argparse.Namespace) -> int:
    from studio.cli.inspect_command import inspect_command

    return inspect_command(args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from studio.cli.compare_command import compare_command

    _need_model(args)
    return compare_command(args, _load_model)


def _cmd_download(args: argparse.Namespace) -> int:
    from studio.cli.download_command import download_command

    return download_command(args)


def _cmd_plot_loss(args: argparse.Namespace) -> int:
    from studio.cli.plot_command import plot_loss_command

    return plot_loss_command(args)


def _cmd_train(args: argparse.Namespace) -> int:
    if args.train_kind == "image":
        from studio.cli.image_commands import train_image_command

        return train_image_command(args)
    if args.train_kind == "translate":
        from studio.cli.translate_commands import train_translate_command

        return train_translate_command(args)
    from pathlib import Path

    from studio.engine.train.text_task import TrainConfig, train_text

    fields = run_fields(args)
    if args.lr:
        fields["overrides"]["lr"] = args.lr
    source = args.source
    if source and Path(source).is_file():
        source = Path(source).read_text(encoding="utf-8").strip().splitlines()[0].lstrip("# ")
    align = args.align.encode().decode("unicode_escape") if args.align else None
    watch = watch_from(args)
    cfg = TrainConfig(
        corpus=args.corpus,
        preset=args.preset,
        init_from=args.init_from,
        val_fraction=args.val_fraction,
        source=source,
        license=args.license,
        align=align,
        dropout=args.dropout,
        **fields,
    )
    from studio.cli.progress import TrainProgress

    progress = TrainProgress(sys.stderr)
    for event in train_text(cfg, watch):
        progress.show(event)
    finish_plot(args)
    return 0


def _fail(message: str) -> int:
    print(f"aigc-studio: error: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    from studio import __version__

    parser = _Parser(
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
    from studio.cli.inspect_command import add_inspect_args

    add_inspect_args(sub)
    from studio.cli.compare_command import add_compare_args

    add_compare_args(sub)
    from studio.cli.download_command import add_download_args

    add_download_args(sub)
    from studio.cli.plot_command import add_plot_args

    add_plot_args(sub)
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
        "inspect": _cmd_inspect,
        "compare": _cmd_compare,
        "download": _cmd_download,
        "plot-loss": _cmd_plot_loss,
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
