"""Tokenizers: a character vocabulary (any Unicode) and byte-level BPE through `tokenizers`.

Both expose `token_bytes(id)`, the exact UTF-8 bytes a token stands for, so that streamed text can be
cut only at whole characters (see `Utf8Stream`).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol


class Tokenizer(Protocol):
    vocab_size: int
    eos_id: int | None

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def token_bytes(self, token_id: int) -> bytes: ...

    def to_card(self) -> dict: ...


class CharTokenizer:
    """One token per Unicode code point in a fixed vocabulary.

    Out-of-vocabulary policy: a character the vocabulary lacks is replaced by `unk` when the
    vocabulary has one (a space by default), otherwise dropped; either way it is recorded in
    `last_unknown` so the caller can warn. Encoding never raises on text.
    """

    kind = "char"

    def __init__(self, chars: Sequence[str], eos: str | None = None, unk: str | None = " "):
        if not chars:
            raise ValueError("a character vocabulary cannot be empty")
        if any(not isinstance(c, str) or len(c) != 1 for c in chars):
            raise ValueError("every vocabulary entry must be exactly one character")
        if len(set(chars)) != len(chars):
            raise ValueError("the character vocabulary has duplicates")
        self.chars = list(chars)
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.vocab_size = len(self.chars)
        self.eos_id = self.stoi.get(eos) if eos is not None else None
        self.eos = eos if self.eos_id is not None else None
        self.unk_id = self.stoi.get(unk) if unk is not None else None
        self.last_unknown: list[str] = []

    @classmethod
    def from_text(cls, text: str, eos: str | None = None) -> CharTokenizer:
        return cls(sorted(set(text)), eos=eos)

    def encode(self, text: str) -> list[int]:
        ids: list[int] = []
        unknown: list[str] = []
        stoi = self.stoi
        for ch in text:
            i = stoi.get(ch)
            if i is None:
                unknown.append(ch)
                if self.unk_id is not None:
                    ids.append(self.unk_id)
            else:
                ids.append(i)
        self.last_unknown = unknown
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def token_bytes(self, token_id: int) -> bytes:
        return self.chars[token_id].encode("utf-8")

    def token_text(self, token_id: int) -> str:
        return self.chars[token_id]

    def to_card(self) -> dict:
        return {"type": "char", "vocab": "".join(self.chars), "eos": self.eos}

    @classmethod
    def from_card(cls, card: dict) -> CharTokenizer:
        vocab = card.get("vocab")
        chars = list(vocab) if isinstance(vocab, str) else vocab
        if not isinstance(chars, list):
            raise ValueError("the tokenizer entry has no character vocabulary")
        return cls(chars, eos=card.get("eos"))


# The target side of a translation model: one token per character, its special tokens characters
# no Chinese sentence holds (padding, start, end, and what stands for a character the vocabulary
# lacks), ids 0-3.
TARGET_PAD, TARGET_BOS, TARGET_EOS, TARGET_UNK = "\x00", "\x02", "\x03", "\ufffd"


def target_tokenizer(
    sentences: Sequence[str] | None = None, vocab: str | None = None
) -> CharTokenizer:
    """A translation target's tokenizer: the four special tokens, then the sentences' characters
    sorted, or the characters of `vocab` (a card's) as they are."""
    specials = TARGET_PAD + TARGET_BOS + TARGET_EOS + TARGET_UNK
    if vocab is None:
        chars = sorted(set("".join(sentences or ())) - set(specials))
        vocab = specials + "".join(chars)
    return CharTokenizer(list(vocab), eos=TARGET_EOS, unk=TARGET_UNK)


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable stand-ins for bytes, inverted: stand-in character -> byte value."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


class BPETokenizer:
    """Byte-level BPE (GPT-2 style) backed by the `tokenizers` library."""

    kind = "bpe"

    def __init__(self, tokenizer_json: str, eos: str | None = "<|endoftext|>"):
        from tokenizers import Tokenizer as HFTokenizer

        self._json = tokenizer_json
        self._tok = HFTokenizer.from_str(tokenizer_json)
        self.vocab_size = self._tok.get_vocab_size(with_added_tokens=True)
        self.eos_id = self._tok.token_to_id(eos) if eos else None
        self.eos = eos if self.eos_id is not None else None
        self.last_unknown: list[str] = []
        self._bytes_cache: dict[int, bytes] = {}

    @classmethod
    def from_files(cls, folder: str | Path) -> BPETokenizer:
        """`tokenizer.json`, or `vocab.json` + `merges.txt`, from a folder."""
        folder = Path(folder)
        tj = folder / "tokenizer.json"
        if tj.is_file():
            return cls(tj.read_text(encoding="utf-8"))
        vocab, merges = folder / "vocab.json", folder / "merges.txt"
        if vocab.is_file() and merges.is_file():
            from tokenizers import Tokenizer as HFTokenizer
            from tokenizers import decoders, models, pre_tokenizers

            bpe = models.BPE.from_file(str(vocab), str(merges))
            tok = HFTokenizer(bpe)
            tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
            tok.decoder = decoders.ByteLevel()
            return cls(tok.to_str())
        raise FileNotFoundError(f"{folder}: no tokenizer.json, nor vocab.json + merges.txt")

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids: Sequence[int]) -> str:
        return self._tok.decode(list(ids), skip_special_tokens=False)

    def token_bytes(self, token_id: int) -> bytes:
        cached = self._bytes_cache.get(token_id)
        if cached is not None:
            return cached
        piece = self._tok.id_to_token(token_id)
        if piece is None:
            out = b""
        else:
            table = _byte_decoder()
            if all(c in table for c in piece):
                out = bytes(table[c] for c in piece)
            else:  # an added/special token such as <|endoftext|> is its own text
                out = piece.encode("utf-8")
        self._bytes_cache[token_id] = out
        return out

    def token_text(self, token_id: int) -> str:
        return self.token_bytes(token_id).decode("utf-8", errors="replace")

    def to_card(self) -> dict:
        return {"type": "bpe", "tokenizer_json": self._json, "eos": self.eos}


def tokenizer_from_card(card: dict) -> CharTokenizer | BPETokenizer:
    kind = card.get("type")
    if kind == "char":
        return CharTokenizer.from_card(card)
    if kind == "bpe":
        tj = card.get("tokenizer_json")
        if not isinstance(tj, str):
            raise ValueError("the BPE tokenizer entry has no tokenizer_json")
        json.loads(tj)  # a clear error for a corrupt entry before tokenizers sees it
        return BPETokenizer(tj, eos=card.get("eos"))
    raise ValueError(f"unknown tokenizer type {kind!r}")


class Utf8Stream:
    """Turns a stream of token ids into whole-character text pieces.

    A byte-level token may end inside a multi-byte character; its bytes are held back until the
    character completes. The pieces of a run concatenate to exactly
    `b"".join(token bytes).decode("utf-8", errors="replace")`.
    """

    def __init__(self, tokenizer: Tokenizer):
        self._tok = tokenizer
        self._dec = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def put(self, token_id: int) -> str:
        return self._dec.decode(self._tok.token_bytes(token_id))

    def end(self) -> str:
        return self._dec.decode(b"", final=True)

    def feed_all(self, ids: Iterable[int]) -> str:
        return "".join(self.put(i) for i in ids) + self.end()
