"""`aigc-studio generate` on a text model: the run streamed to the terminal and written to --output.

Standard output gets the prompt and the text as it is made (or, with --format jsonl, one event a
line); standard error gets the seed (unless greedy: then the seed changes nothing) and a summary
line per sample. Ctrl+C ends the run at the next token, writes --output with what was made
(stop reason "cancelled"), prints the summary and exits with status 130.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading

from studio.cli.interrupt import EXIT_INTERRUPTED, ctrl_c_cancels, stop_phrase
from studio.cli.outputs import OutputError, check_generate_outputs


def generate_text_command(args: argparse.Namespace, loaded, settings, events=None) -> int:
    """Run `settings` (GenerationSettings) on `loaded` from args.prompt; the exit status.
    `events(cancel)`, when given, makes the run's events instead of continuing the prompt (a
    translation of args.prompt): the prompt is then recorded but not printed before the output."""
    from studio.engine.text.generation import generate_text

    shown = args.prompt if events is None else ""
    if events is None:

        def events(cancel):
            return generate_text(loaded, args.prompt, settings, cancel=cancel)

    fmt = check_generate_outputs(args.output, None, "text", args.force)
    if fmt in (".json", ".md") and settings.num_samples > 1:
        raise OutputError(
            f"--output {args.output}: a {fmt} run holds one sample; write several to a .txt "
            "file, or their events to a .jsonl file"
        )
    multi = settings.num_samples > 1
    out = sys.stdout
    jsonl_lines: list[str] = []  # for a .jsonl --output
    texts: dict[int, str] = {}
    run: dict = {"tokens": []}  # sample 0's events, for a .json or .md --output
    keep_run = fmt in (".json", ".md")
    cancel = threading.Event()
    with ctrl_c_cancels(cancel):
        for event in events(cancel):
            kind = event.event
            if keep_run:
                if kind == "token" and event.sample == 0:
                    run["tokens"].append(event)
                elif kind == "start" or (kind == "done" and event.sample == 0):
                    run[kind] = event
            if fmt == ".jsonl" or args.format == "jsonl":
                line = json.dumps(event.to_json(), ensure_ascii=False)
                if fmt == ".jsonl":
                    jsonl_lines.append(line)
                if args.format == "jsonl":
                    out.write(line + "\n")
                    if kind == "done":  # the summary still goes to standard error
                        print(_summary(event, settings.max_new_tokens), file=sys.stderr)
                    continue
            if kind == "warning":
                print(f"warning: {event.message}", file=sys.stderr)
            elif kind == "start":
                if not settings.sampling.greedy:
                    print(f"seed {event.seed}", file=sys.stderr)
                if not multi:
                    out.write(shown)
            elif kind == "token" and not multi:
                out.write(event.text)
                out.flush()
            elif kind == "done":
                texts[event.sample] = event.text
                _show_done(out, event, shown, settings.max_new_tokens, multi)
    out.flush()
    if args.output:
        _write(args, fmt, loaded, settings, run, texts, jsonl_lines, shown)
    return EXIT_INTERRUPTED if cancel.is_set() else 0


def _show_done(out, event, prompt: str, limit: int, multi: bool) -> None:
    phrase = stop_phrase(event.stop_reason, limit)
    if multi:
        out.write(f"--- sample {event.sample} ({phrase})\n{prompt}{event.text}\n")
    else:
        out.write("\n")
    print(_summary(event, limit), file=sys.stderr)


def _summary(event, limit: int) -> str:
    """The line a finished (or stopped) sample leaves on standard error."""
    return (
        f"[{event.tokens} tokens, {event.tokens_per_s:.1f} tok/s, first token "
        f"{event.ttft_ms:.0f} ms, {stop_phrase(event.stop_reason, limit)}]"
    )


def _write(
    args, fmt, loaded, settings, run: dict, texts: dict, jsonl_lines: list[str], shown: str
) -> None:
    """Write --output in the format its extension names, atomically."""
    from studio.core.atomic import atomic_write_text

    try:
        if fmt in (".json", ".md"):
            from studio.io.export import export_run
            from studio.io.run import RunRecord

            model = {
                "name": loaded.name,
                "title": loaded.card.get("title") or loaded.name,
                "path": str(loaded.path),
            }
            record = RunRecord.from_events(
                model, args.prompt, settings.to_dict(), run["start"], run["done"], run["tokens"]
            )
            export_run(args.output, record)
        elif fmt == ".jsonl":
            atomic_write_text(args.output, "\n".join(jsonl_lines) + "\n")
        else:  # .txt: every sample as printed, a blank line between them
            atomic_write_text(
                args.output, "\n\n".join(shown + texts[i] for i in sorted(texts)) + "\n"
            )
    except OSError as e:
        raise OutputError(f"--output {args.output}: cannot write ({e.strerror or e})") from None
