"""The Tang-poem model's form check: how many samples keep a regular form.

    python scripts/eval_tang_form.py [--model tang-poems] [--n 100] [--temperature 0.8] [--json]

Each sample starts from the first character of a held-out poem (data/tang.heldout.jsonl, written by
scripts/prepare_corpora.py) and runs until the poem ends (a blank line). A sample keeps a regular
form when it has 4 or 8 lines (clauses pairs), every clause 5 characters or every clause 7, and the
clauses are punctuated ，/。 alternately, as the corpus is.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLAUSE = re.compile(r"[^，。\n]+[，。]")


def poem_form(text: str) -> str | None:
    """'5x4', '7x8', ... when the poem is regular, else None. text: the poem, lines split by \\n."""
    lines = [ln for ln in text.strip("\n").split("\n") if ln]
    if len(lines) not in (2, 4):  # one couplet (two clauses) per line: 4 or 8 clauses
        return None
    clauses: list[str] = []
    for ln in lines:
        found = CLAUSE.findall(ln)
        if "".join(found) != ln or len(found) != 2:
            return None
        clauses += found
    n = len(clauses[0]) - 1
    if n not in (5, 7) or any(len(c) - 1 != n for c in clauses):
        return None
    if any(c[-1] != ("，" if i % 2 == 0 else "。") for i, c in enumerate(clauses)):
        return None
    return f"{n}x{len(clauses)}"


def main() -> None:
    from studio.engine.device import set_threads
    from studio.engine.formats.model_finder import load_model
    from studio.engine.text.generation import generate_text
    from studio.settings import SCHEMA, GenerationSettings, SamplingSettings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tang-poems")
    ap.add_argument("--heldout", type=Path, default=ROOT / "data/tang.heldout.jsonl")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--temperature", type=float, default=SCHEMA["temperature"].default)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    set_threads(args.threads)
    loaded = load_model(args.model, device="cpu")
    poems = [json.loads(x) for x in args.heldout.read_text(encoding="utf-8").splitlines()]
    step = max(1, len(poems) // args.n)
    chosen = poems[::step][: args.n]
    regular, forms, examples = 0, {}, []
    for i, p in enumerate(chosen):
        first = p["lines"][0][0]
        settings = GenerationSettings(
            sampling=SamplingSettings(temperature=args.temperature),
            max_new_tokens=80,
            seed=args.seed + i,
            stop=("\n\n",),
            top_n=0,
        )
        done = [e for e in generate_text(loaded, first, settings) if e.event == "done"][0]
        poem = first + done.text
        form = poem_form(poem)
        if form:
            regular += 1
            forms[form] = forms.get(form, 0) + 1
        if len(examples) < 5:
            examples.append({"prompt": first, "poem": poem, "form": form})
    result = {
        "model": loaded.name,
        "samples": len(chosen),
        "regular": regular,
        "share": regular / len(chosen),
        "forms": forms,
        "temperature": args.temperature,
        "examples": examples,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(
            f"{regular}/{len(chosen)} samples keep a regular form ({regular / len(chosen):.0%}); {forms}"
        )
        for ex in examples:
            print(f"--- {ex['form']}\n{ex['poem']}")


if __name__ == "__main__":
    main()
