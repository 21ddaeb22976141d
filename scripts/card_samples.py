"""Add three samples (with the settings used) to a text model's card, and check its loss.

    python scripts/card_samples.py models/shakespeare.safetensors --prompt "ROMEO:" \
        --val data/shakespeare.val.txt [--temperature 0.8] [--max-new-tokens 300] [--context slide]

Re-saves the file atomically with `samples` in the card (the weights are copied unchanged), checks
that `eval` on the held-out text reproduces the card's loss within 0.01, and prints the samples as
Markdown for the README.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    from studio.engine.formats.model_finder import load_model
    from studio.engine.formats.studio_file import CARD_KEY, atomic_write_bytes, read_card
    from studio.engine.text.evaluation import evaluate_text_file
    from studio.engine.text.generation import generate_text
    from studio.settings import SCHEMA, GenerationSettings, SamplingSettings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--prompt", action="append", required=True, help="one per sample (cycled)")
    ap.add_argument("--val", type=Path)
    ap.add_argument("--temperature", type=float, default=SCHEMA["temperature"].default)
    ap.add_argument("--top-k", type=int, default=SCHEMA["top_k"].default)
    ap.add_argument("--max-new-tokens", type=int, default=300)
    ap.add_argument("--stop", action="append", default=[])
    context = SCHEMA["context"]
    ap.add_argument("--context", choices=context.choices, default=context.default)
    args = ap.parse_args()

    loaded = load_model(str(args.model), device="cpu")
    card = read_card(args.model)
    if args.val:
        r = evaluate_text_file(loaded, args.val)
        want = card["metrics"]["val_loss_nats_per_token"]
        print(f"eval: {r['nats_per_token']:.4f} nats/token (card {want:.4f})", file=sys.stderr)
        if abs(r["nats_per_token"] - want) > 0.01:
            print("eval does not reproduce the card's loss", file=sys.stderr)
            return 1
    samples = []
    for i in range(3):
        prompt = args.prompt[i % len(args.prompt)]
        sampling = SamplingSettings(temperature=args.temperature, top_k=args.top_k)
        settings = GenerationSettings(
            sampling=sampling,
            max_new_tokens=args.max_new_tokens,
            seed=i + 1,
            stop=tuple(args.stop),
            top_n=0,
            context=args.context,
        )
        done = [e for e in generate_text(loaded, prompt, settings) if e.event == "done"][0]
        samples.append(
            {
                "prompt": prompt,
                "seed": i + 1,
                "settings": settings.to_dict(),
                "text": prompt + done.text,
            }
        )
    card["samples"] = samples

    from safetensors.torch import load_file, save

    tensors = load_file(str(args.model))
    atomic_write_bytes(
        args.model, save(tensors, metadata={CARD_KEY: json.dumps(card, ensure_ascii=False)})
    )
    for s in samples:
        st = s["settings"]["sampling"]
        print(
            f"`aigc-studio generate --model {card['name']} --prompt {json.dumps(s['prompt'], ensure_ascii=False)} "
            f"--seed {s['seed']} --temperature {st['temperature']}"
            + (f" --top-k {st['top_k']}" if st["top_k"] else "")
            + f" --max-new-tokens {args.max_new_tokens}"
            + (f" --context {args.context}" if args.context != context.default else "")
            + f"`\n\n```\n{s['text']}\n```\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
