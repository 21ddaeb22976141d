"""`aigc-studio download REPO_ID [--file NAME.gguf] [--revision R]`: a model from the Hugging Face
Hub into the user model folder (studio.io.downloads), with a progress line; Ctrl+C cancels and the
same command resumes."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from studio.cli.interrupt import EXIT_INTERRUPTED, ctrl_c_cancels


def add_download_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "download",
        help="download a model from the Hugging Face Hub into your model folder",
        description="Download the files the studio opens (config, tokenizer, chat template, "
        "safetensors weights, README and license; or one GGUF file) into your model folder, "
        "where the window's model list finds it. HF_ENDPOINT and HF_TOKEN are honoured. "
        "Ctrl+C cancels; the same command resumes.",
    )
    p.add_argument("repo", metavar="REPO_ID", help="the model's repository, e.g. Qwen/Qwen3-0.6B")
    p.add_argument("--file", metavar="NAME.gguf", help="download only this GGUF file of it")
    p.add_argument("--revision", metavar="R", help="a branch, tag or commit (default: main)")


class DownloadLine:
    """One progress line on a terminal (a line every 10% when not a TTY)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._tenth = -1
        self._shown = False

    def show(self, p) -> None:  # p: studio.io.downloads.DownloadProgress
        from studio.io.downloads import human_bytes, human_time

        speed = f"{human_bytes(p.bytes_per_s)}/s" if p.bytes_per_s > 0 else "-- /s"
        text = (
            f"{p.fraction:4.0%} {human_bytes(p.done_bytes)} of {human_bytes(p.total_bytes)}  "
            f"{speed}  {human_time(p.seconds_left)} left  {p.file}"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
            self._shown = True
        elif int(p.fraction * 10) != self._tenth:
            self._tenth = int(p.fraction * 10)
            self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


def download_command(args: argparse.Namespace) -> int:
    from studio.io.downloads import DownloadCancelled, download_model

    line = DownloadLine(sys.stderr)
    cancel = threading.Event()
    try:
        with ctrl_c_cancels(cancel):
            path = download_model(
                args.repo, args.file, args.revision, on_progress=line.show, cancel=cancel
            )
    except (DownloadCancelled, KeyboardInterrupt):
        line.end()
        print(
            "aigc-studio: download cancelled; run the same command again to resume it",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        line.end()
    name = path.stem if path.suffix.lower() == ".gguf" else path.name
    print(f"downloaded {args.repo} to {path}")
    print(f"open it in the window's model list, or: aigc-studio generate --model {name}")
    return 0
