"""The image half of the command line: generate, eval and train for image models."""

from __future__ import annotations

import argparse


def add_train_image_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model-kind", choices=["digits", "emoji"], required=True)
    p.add_argument("--out", required=True)


def train_image_command(args: argparse.Namespace) -> int:
    raise NotImplementedError("image training is not implemented yet")


def generate_image_command(args: argparse.Namespace, loaded) -> int:
    raise NotImplementedError("image generation is not implemented yet")


def eval_image_command(args: argparse.Namespace, loaded) -> int:
    raise NotImplementedError("image evaluation is not implemented yet")
