"""A Hugging Face `tokenizer.json` as the Llama / Qwen families ship it, through `tokenizers`.

Two kinds of vocabulary are read:
- byte-level BPE (GPT-2's byte alphabet; Qwen, SmolLM, Llama 3): a token's bytes come from the
  printable stand-in of each byte;
- SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama): "▁" stands for a space and
  `<0xE4>` for a raw byte, so a character the vocabulary lacks is spelled in UTF-8 bytes.
Special and other added tokens (`<s>`, `<|im_end|>`) stand for their own text, so they show as
such. `token_bytes` gives every token's exact UTF-8 bytes, so `Utf8Stream` streams whole
characters. Encoding adds what the file's post-processor adds (Llama's `<s>`), as transformers'
tokenizers do by default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from studio.engine.tokenizers import _byte_decoder

_BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def _decoders(spec: object) -> list[dict]:
    """The decoder steps of a tokenizer.json's `decoder` entry, a Sequence flattened."""
    if not isinstance(spec, dict):
        return []
    if spec.get("type") == "Sequence":
        return [d for s in spec.get("decoders") or [] for d in _decoders(s)]
    return [spec]


class TokenizerJSON:
    """Encode, decode and per-token bytes for a tokenizer.json; `eos_ids` end a generation,
    `bos_id` starts one from an empty prompt."""

    kind = "tokenizer.json"

    def __init__(self, tokenizer_json: str, eos_ids: Iterable[int] = (), bos_id: int | None = None):
        from tokenizers import Tokenizer as HFTokenizer

        spec = json.loads(tokenizer_json)
        self._tok = HFTokenizer.from_str(tokenizer_json)
        self.vocab_size = self._tok.get_vocab_size(with_added_tokens=True)
        steps = _decoders(spec.get("decoder"))
        kinds = {s.get("type") for s in steps}
        self.byte_level = "ByteLevel" in kinds
        model = spec.get("model") or {}
        self.byte_fallback = bool(model.get("byte_fallback")) or "ByteFallback" in kinds
        # the character SentencePiece writes for a space ("▁"), from the decoder that undoes it
        self.space = "▁"
        for s in steps:
            if s.get("type") == "Metaspace" and isinstance(s.get("replacement"), str):
                self.space = s["replacement"]
            elif s.get("type") == "Replace" and s.get("content") == " ":
                pattern = s.get("pattern") or {}
                if isinstance(pattern.get("String"), str):
                    self.space = pattern["String"]
        self.added = {i: t.content for i, t in self._tok.get_added_tokens_decoder().items()}
        self.eos_ids = tuple(i for i in dict.fromkeys(eos_ids) if 0 <= i < self.vocab_size)
        self.eos_id = self.eos_ids[0] if self.eos_ids else None
        self.eos = self._tok.id_to_token(self.eos_id) if self.eos_id is not None else None
        # what an empty prompt starts from when the encoding adds nothing (Qwen's <|endoftext|>)
        self.bos_id = bos_id if bos_id is not None and 0 <= bos_id < self.vocab_size else None
        self.last_unknown: list[str] = []
        self._bytes: dict[int, bytes] = {}

    def add_eos(self, token: str) -> None:
        """Let `token` (tokenizer_config.json's eos_token: a chat model's end of turn) also end a
        generation, after the ids already given."""
        tid = self._tok.token_to_id(token)
        if tid is not None and tid not in self.eos_ids:
            self.eos_ids = (*self.eos_ids, tid)
            if self.eos_id is None:
                self.eos_id, self.eos = tid, token

    @property
    def style(self) -> str:
        return "byte-level BPE" if self.byte_level else "SentencePiece-style BPE"

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=True).ids

    def decode(self, ids: Sequence[int]) -> str:
        return self._tok.decode(list(ids), skip_special_tokens=False)

    def token_bytes(self, token_id: int) -> bytes:
        out = self._bytes.get(token_id)
        if out is not None:
            return out
        piece = self._tok.id_to_token(token_id)
        if piece is None:
            out = b""
        elif token_id in self.added:  # a special or added token is its own text
            out = self.added[token_id].encode("utf-8")
        elif self.byte_level:
            table = _byte_decoder()
            out = (
                bytes(table[c] for c in piece)
                if all(c in table for c in piece)
                else piece.encode("utf-8")
            )
        else:
            m = _BYTE_TOKEN.fullmatch(piece) if self.byte_fallback else None
            out = bytes([int(m.group(1), 16)]) if m else piece.replace(self.space, " ").encode()
        self._bytes[token_id] = out
        return out

    def token_text(self, token_id: int) -> str:
        return self.token_bytes(token_id).decode("utf-8", errors="replace")

    def to_card(self) -> dict:
        return {
            "type": self.style,
            "vocab_size": self.vocab_size,
            "eos": [self._tok.id_to_token(i) for i in self.eos_ids],
        }
