"""What each precision costs in quality: held-out perplexity of the bundled text models.

    python scripts/precision_quality.py [--shared ../shared] [--json]

Prepares the held-out texts as the models were trained (scripts/prepare_corpora.py: the last 10% of
tinyshakespeare, the last 5% of the regular Tang poems), then scores each model on its text in
float32, bfloat16 and int8 with `aigc-studio eval`'s own code: nats/token and perplexity
(e^nats), and the change from float32.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from prepare_corpora import prepare_shakespeare, prepare_tang  # noqa: E402

from studio.engine.formats.model_finder import load_model  # noqa: E402
from studio.engine.text.evaluation import evaluate_text_file  # noqa: E402

MODELS = {"shakespeare": "shakespeare.val.txt", "tang-poems": "tang.val.txt"}
PRECISIONS = ("float32", "bfloat16", "int8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        prepare_shakespeare(Path(args.shared), out)
        prepare_tang(Path(args.shared), out)
        for model, text in MODELS.items():
            base = None
            for precision in PRECISIONS:
                r = evaluate_text_file(load_model(model, "cpu", precision), out / text)
                nats = r["nats_per_token"]
                base = nats if base is None else base
                rows.append(
                    {
                        "model": model,
                        "precision": precision,
                        "tokens": r["tokens"],
                        "nats_per_token": nats,
                        "perplexity": math.exp(nats),
                        "change_vs_float32_pct": 100 * (math.exp(nats - base) - 1),
                    }
                )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'model':<13}{'precision':<11}{'nats/token':>11}{'perplexity':>12}{'vs float32':>12}")
    for r in rows:
        print(
            f"{r['model']:<13}{r['precision']:<11}{r['nats_per_token']:>11.4f}"
            f"{r['perplexity']:>12.3f}{r['change_vs_float32_pct']:>+11.2f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
