"""The English–Chinese sentence pairs a translation model learns from, and their tokenizers.

    pairs = read_pairs("shared/data/tatoeba-cmn-eng")      # [(english, chinese)], Chinese simplified
    train, heldout = split_pairs(pairs, 1000, seed=1337)   # no English sentence on both sides
    src_tok = train_source_tokenizer([en for en, _ in train], 4000)
    tgt_tok = target_tokenizer([zh for _, zh in train])

The data is Tatoeba's tab-separated "Anki" file (`cmn.txt`: English, Chinese, attribution). Tatoeba
gives some English sentences several translations, each on its own line; the held-out pairs are
drawn by English sentence, so every translation of a held-out sentence is held out with it and a
model is never scored on a sentence it was trained on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from studio.core.errors import CorpusError
from studio.engine.tokenizers import TARGET_BOS as BOS
from studio.engine.tokenizers import TARGET_EOS as EOS
from studio.engine.tokenizers import TARGET_PAD as PAD
from studio.engine.tokenizers import TARGET_UNK as UNK
from studio.engine.tokenizers import BPETokenizer, target_tokenizer

__all__ = ["BOS", "EOS", "PAD", "UNK", "read_pairs", "split_pairs", "target_tokenizer"]

SRC_PAD = "<pad>"  # the source's padding token, id 0


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    """The (English, simplified Chinese) pairs of a folder holding `cmn.txt`, or of the file."""
    path = Path(path)
    if path.is_dir():
        path = path / "cmn.txt"
    try:
        text = path.read_text(encoding="utf-8-sig")  # the file starts with a byte-order mark
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise CorpusError(f"{path}: {e.strerror or e}") from None
    import opencc

    t2s = opencc.OpenCC("t2s")
    pairs = []
    for line in text.splitlines():
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            continue
        pairs.append((cols[0].strip(), t2s.convert(cols[1].strip())))
    if not pairs:
        raise CorpusError(f"{path}: no tab-separated English–Chinese pairs")
    return pairs


def split_pairs(
    pairs: Sequence[tuple[str, str]], n_heldout: int, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(training pairs, held-out pairs): English sentences drawn at random with `seed`, each with
    all its translations, until `n_heldout` pairs are held out (a sentence whose translations would
    overflow it is skipped). Both lists keep the file's order."""
    groups: dict[str, list[int]] = {}
    for i, (en, _) in enumerate(pairs):
        groups.setdefault(en, []).append(i)
    sentences = sorted(groups)
    random.Random(seed).shuffle(sentences)
    held: set[int] = set()
    for en in sentences:
        if len(held) >= n_heldout:
            break
        if len(held) + len(groups[en]) <= n_heldout:
            held.update(groups[en])
    if len(pairs) - len(held) < 1:
        raise CorpusError(
            f"{len(pairs)} pairs leave nothing to train on after {n_heldout} held out"
        )
    train = [p for i, p in enumerate(pairs) if i not in held]
    heldout = [p for i, p in enumerate(pairs) if i in held]
    return train, heldout


def train_source_tokenizer(sentences: Sequence[str], vocab_size: int) -> BPETokenizer:
    """A byte-level BPE over the English sentences, `<pad>` its id 0."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[SRC_PAD],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(sentences, trainer)
    return BPETokenizer(tok.to_str(), eos=None)
