"""Prepare the training corpora of the bundled text models from ../shared/data.

    python scripts/prepare_corpora.py [--shared ../shared] [--out data]

Writes, under --out:
  shakespeare.txt        tinyshakespeare as is (train with --val-fraction 0.1)
  shakespeare.val.txt    its last 10%, the held-out text `aigc-studio eval` scores
  tang.txt               regular Tang poems (5- or 7-character lines, 4 or 8 lines), simplified
  tang.val.txt           the held-out tail (last 5%), for `aigc-studio eval`
  tang.heldout.jsonl     the poems that lie wholly in that tail, for the form check

Tang format: one poem per paragraph, one couplet per line, a blank line between poems; half the
poems (chosen by a hash of their id, so the choice is stable) start with their title as 《title》 on
a line of its own, so that a prompt may be a title in 《》 or a first character or line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TANG_VAL_FRACTION = 0.05
SHAKESPEARE_VAL_FRACTION = 0.1
CLAUSE = re.compile(r"[^，。]+[，。]")


def is_regular(lines: list[str]) -> bool:
    """4 or 8 clauses of equal length 5 or 7, alternating ，。 (as the corpus punctuates)."""
    body = "".join(lines)
    clauses = CLAUSE.findall(body)
    if "".join(clauses) != body or len(clauses) not in (4, 8):
        return False
    n = len(clauses[0]) - 1
    if n not in (5, 7) or any(len(c) - 1 != n for c in clauses):
        return False
    return all(c[-1] == ("，" if i % 2 == 0 else "。") for i, c in enumerate(clauses))


def split_val(text: str, fraction: float) -> int:
    return len(text) - int(len(text) * fraction)


def prepare_shakespeare(shared: Path, out: Path) -> None:
    text = (shared / "data/tinyshakespeare/input.txt").read_text(encoding="utf-8")
    (out / "shakespeare.txt").write_text(text, encoding="utf-8")
    (out / "shakespeare.val.txt").write_text(
        text[split_val(text, SHAKESPEARE_VAL_FRACTION) :], encoding="utf-8"
    )
    print(f"shakespeare: {len(text):,} characters")


def prepare_tang(shared: Path, out: Path) -> None:
    import opencc

    t2s = opencc.OpenCC("t2s")
    folder = shared / "data/chinese-poetry-tang"
    files = sorted(folder.glob("poet.tang.*.json"), key=lambda p: int(p.stem.split(".")[-1]))
    poems = []
    for f in files:
        for item in json.loads(f.read_text(encoding="utf-8")):
            lines = [p.strip() for p in item.get("paragraphs", []) if p.strip()]
            if not lines or not is_regular(lines):
                continue
            title = t2s.convert(item.get("title", "").strip())
            lines = [t2s.convert(p) for p in lines]
            with_title = bool(title) and hashlib.sha1(item["id"].encode()).digest()[0] % 2 == 0
            head = f"《{title}》\n" if with_title else ""
            poems.append((item, head + "\n".join(lines) + "\n\n", lines))
    text = "".join(p[1] for p in poems)
    cut = split_val(text, TANG_VAL_FRACTION)
    (out / "tang.txt").write_text(text, encoding="utf-8")
    (out / "tang.val.txt").write_text(text[cut:], encoding="utf-8")
    pos, held = 0, []
    for item, rendered, lines in poems:
        if pos >= cut:
            held.append(
                {"id": item["id"], "author": t2s.convert(item.get("author", "")), "lines": lines}
            )
        pos += len(rendered)
    with open(out / "tang.heldout.jsonl", "w", encoding="utf-8") as f:
        for h in held:
            f.write(json.dumps(h, ensure_ascii=False) + "\n")
    print(
        f"tang: {len(poems):,} regular poems, {len(text):,} characters, "
        f"{len(set(text)):,} distinct, {len(held)} held out"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "data")
    ap.add_argument("--only", choices=["shakespeare", "tang"])
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "shakespeare"):
        prepare_shakespeare(args.shared, args.out)
    if args.only in (None, "tang"):
        prepare_tang(args.shared, args.out)


if __name__ == "__main__":
    main()
