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


def check_source_flags(args: argparse.Namespace, loaded) -> None:
    """--source goes with translation models, and they need it; SettingsError otherwise."""
    from studio.core.errors import SettingsError

    translation = loaded.kind == "translate-seq2seq"
    if args.source is not None and not translation:
        raise SettingsError(
            f"--source is for translation models; {loaded.name} is not one (use --prompt)"
        )
    if translation and args.source is None:
        raise SettingsError(
            f'{loaded.name} translates: give the English sentence with --source "..."'
        )
    if not translation and args.beam != 1:
        raise SettingsError(f"--beam is for translation models; {loaded.name} is not one")
    if translation and (args.prompt or args.chat or args.system is not None):
        raise SettingsError(f"{loaded.name} translates --source; --prompt and --chat do not apply")


def generate_translation_command(args: argparse.Namespace, loaded) -> int:
    """Stream the translation of args.source, as text runs stream their text."""
    from studio.cli.setting_flags import image_flags_given, image_flags_refusal
    from studio.cli.text_commands import generate_text_command
    from studio.engine.text.translation import translate
    from studio.settings import GenerationSettings

    if image_flags_given(args):
        from studio.core.errors import SettingsError

        raise SettingsError(image_flags_refusal(loaded.name, "translation model"))
    source = sys.stdin.read() if args.source == "-" else args.source
    settings = GenerationSettings.from_values(vars(args))
    args.prompt = source

    def events(cancel):
        return translate(loaded, source, settings, cancel=cancel, beam=args.beam)

    return generate_text_command(args, loaded, settings, events)


def eval_translation_command(args: argparse.Namespace, loaded) -> int:
    """BLEU and chrF on the held-out pairs of the model's training data, greedy and beam."""
    import json
    from pathlib import Path

    from studio.engine.text.translation_eval import evaluate_model

    data = args.data or str(_default_data())
    r = evaluate_model(loaded, data, args.beam)
    if args.json:
        print(json.dumps(r, ensure_ascii=False))
        return 0
    print(f"{loaded.name} on {r['heldout_pairs']} held-out pairs of {Path(data).name}:")
    print(f"  held-out loss {r['heldout_loss_nats_per_token']:.4f} nats/token")
    print(f"  greedy        BLEU {r['bleu_greedy']:.2f}  chrF {r['chrf_greedy']:.2f}")
    b = args.beam
    if b > 1:
        print(f"  beam {b:<8} BLEU {r[f'bleu_beam{b}']:.2f}  chrF {r[f'chrf_beam{b}']:.2f}")
    return 0


def _default_data():

    from studio.core.paths import bundled_models_dir

    return bundled_models_dir().parent.parent / "shared" / "data" / "tatoeba-cmn-eng"
