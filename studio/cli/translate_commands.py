"""`aigc-studio train translate`, and translation models' `generate --source` and `eval`."""

from __future__ import annotations

import argparse
import sys

from studio.cli.train_flags import add_budget_flags, add_machine_flags, add_set_flag, run_fields


def add_train_translate_args(t: argparse.ArgumentParser) -> None:
    t.add_argument(
        "--data", required=True, help="folder holding Tatoeba's cmn.txt (English<TAB>Chinese)"
    )
    t.add_argument("--out", required=True, help="model file to write (.safetensors)")
    add_budget_flags(t, max_steps=100_000)
    t.add_argument("--seed", type=int, default=1337, help="seed of the weights, batches and split")
    t.add_argument("--heldout", type=int, default=1000, help="pairs held out (by English sentence)")
    t.add_argument("--name", help="model name (default: file stem)")
    t.add_argument("--title", help="display title")
    add_machine_flags(t)
    t.add_argument("--eval-interval", type=int, default=250)
    t.add_argument("--beam", type=int, default=4, help="beam width of the card's beam metrics")
    add_set_flag(
        t,
        "override a size or setting (d_model, n_head, enc_layers, dec_layers, d_ff, src_vocab, "
        "batch_tokens, lr, dropout, label_smoothing)",
    )


def train_translate_command(args: argparse.Namespace) -> int:
    from studio.cli.progress import TrainProgress
    from studio.engine.train.translate_task import TranslateConfig, train_translate

    fields = run_fields(args)
    fields["half"] = True  # float16 storage, always: the file stays well under 25 MB
    cfg = TranslateConfig(data=args.data, heldout=args.heldout, beam_width=args.beam, **fields)
    cfg.hyper()  # unknown --set keys are refused before the data is read
    progress = TrainProgress(sys.stderr)
    for event in train_translate(cfg):
        progress.show(event)
    return 0
