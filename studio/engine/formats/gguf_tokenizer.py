"""The tokenizer and chat template a GGUF file describes in its metadata.

A GGUF has no tokenizer.json: it lists the vocabulary (`tokenizer.ggml.tokens`), each token's kind
(`token_type`: 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte) and, by
`tokenizer.ggml.model`, either
- "gpt2": byte-level BPE with its merges, the text split first by the regular expression that
  `tokenizer.ggml.pre` names (Qwen2's, Llama 3's, ...), or
- "llama": a SentencePiece vocabulary with a score per token and `<0xNN>` byte tokens; the merges
  are recovered from the scores (a pair merges as early as the token it makes scores high).
Both are turned into a tokenizer.json for the `tokenizers` library, the way transformers turns the
same metadata into its tokenizer, and wrapped in `TokenizerJSON` (whole-character streaming,
special tokens shown as their text). Control tokens are special; the end of a generation is the
file's eos, eot and eom tokens and the end-of-turn tokens llama.cpp also stops at.
"""

from __future__ import annotations

import json

from studio.core.errors import ModelFileError
from studio.engine.formats.gguf_metadata import GGUFContents
from studio.engine.tokenizer_json import TokenizerJSON
from studio.engine.tokenizers import _byte_decoder

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
SPACE = "▁"
# tokenizer.ggml.pre -> the regular expression its vocabulary's merges were learned after
_LLAMA3 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_QWEN2 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_GPT4O = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
PRE_SPLITS = {
    **dict.fromkeys(("llama3", "llama-v3", "llama-bpe", "smaug-bpe", "dbrx", "falcon3"), _LLAMA3),
    **dict.fromkeys(("qwen2", "deepseek-r1-qwen", "megrez"), _QWEN2),
    **dict.fromkeys(("gpt-4o", "llama4"), _GPT4O),
}
# end-of-turn tokens llama.cpp stops at besides the named ids, when the vocabulary marks them control
END_OF_TURN = (
    "<|eot_id|>",
    "<|eom_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
)
SPECIAL_IDS = {
    "bos_token": "bos_token_id",
    "eos_token": "eos_token_id",
    "unk_token": "unknown_token_id",
    "pad_token": "padding_token_id",
}


def _list(g: GGUFContents, key: str) -> list:
    value = g.get(f"tokenizer.ggml.{key}", [])
    if not isinstance(value, list):
        raise ModelFileError(g.path, f"tokenizer.ggml.{key} must be a list")
    return value


def _id(g: GGUFContents, key: str, size: int) -> int | None:
    value = g.get(f"tokenizer.ggml.{key}")
    return value if isinstance(value, int) and 0 <= value < size else None


def sentencepiece_merges(tokens: list[str], scores: list[float]) -> list[list[str]]:
    """Merges recovered from a SentencePiece vocabulary, best first: every split of a token into
    two tokens, ranked by the score of the token it makes (as transformers' generate_merges)."""
    vocab = {t: i for i, t in reversed(list(enumerate(tokens)))}  # first id of a repeated token
    found = []
    for token, score in dict(zip(tokens, scores, strict=True)).items():
        local = [
            (token[:i], token[i:], score)
            for i in range(1, len(token))
            if token[:i] in vocab and token[i:] in vocab
        ]
        found.extend(sorted(local, key=lambda m: (vocab[m[0]], vocab[m[1]])))
    found.sort(key=lambda m: (m[2], len(m[0]), len(m[1])), reverse=True)
    return [[a, b] for a, b, _ in found]


def _added(tokens: list[str], types: list[int], keep=lambda t: True) -> list[dict]:
    """Control and unknown tokens as special added tokens, user-defined ones as plain added
    tokens (matched whole in the text, as llama.cpp does)."""
    out = []
    for i, (t, kind) in enumerate(zip(tokens, types, strict=True)):
        if kind in (CONTROL, UNKNOWN, USER_DEFINED) and keep(t):
            out.append(
                {
                    "id": i,
                    "content": t,
                    "single_word": False,
                    "lstrip": False,
                    "rstrip": False,
                    "normalized": False,
                    "special": kind != USER_DEFINED,
                }
            )
    return out


def _post_processor(tokens: list[str], bos: int | None, eos: int | None, g, default_bos: bool):
    single: list[dict] = [{"Sequence": {"id": "A", "type_id": 0}}]
    special = {}
    if bos is not None and bool(g.get("tokenizer.ggml.add_bos_token", default_bos)):
        single.insert(0, {"SpecialToken": {"id": tokens[bos], "type_id": 0}})
        special[tokens[bos]] = {"id": tokens[bos], "ids": [bos], "tokens": [tokens[bos]]}
    if eos is not None and bool(g.get("tokenizer.ggml.add_eos_token", False)):
        single.append({"SpecialToken": {"id": tokens[eos], "type_id": 0}})
        special[tokens[eos]] = {"id": tokens[eos], "ids": [eos], "tokens": [tokens[eos]]}
    return {
        "type": "TemplateProcessing",
        "single": single,
        "pair": single,
        "special_tokens": special,
    }


def _bpe(vocab: dict, merges: list, **extra) -> dict:
    return {
        "type": "BPE",
        "dropout": None,
        "unk_token": None,
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "fuse_unk": False,
        "byte_fallback": False,
        "ignore_merges": False,
        "vocab": vocab,
        "merges": merges,
        **extra,
    }


def _sentencepiece_spec(g: GGUFContents, tokens: list[str], types: list[int]) -> dict:
    scores = _list(g, "scores")
    if len(scores) != len(tokens):
        raise ModelFileError(g.path, "tokenizer.ggml.scores does not give one score per token")
    n = len(tokens)
    bos, eos, unk = (
        _id(g, "bos_token_id", n),
        _id(g, "eos_token_id", n),
        _id(g, "unknown_token_id", n),
    )
    prefix = bool(g.get("tokenizer.ggml.add_space_prefix", True))
    vocab = {t: i for i, t in reversed(list(enumerate(tokens)))}
    decoders = [
        {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
        {"type": "ByteFallback"},
        {"type": "Fuse"},
    ]
    if prefix:
        decoders.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})
    return {
        "version": "1.0",
        "added_tokens": _added(tokens, types),
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": SPACE,
            "prepend_scheme": "first" if prefix else "never",
            "split": False,
        },
        "post_processor": _post_processor(tokens, bos, eos, g, default_bos=True),
        "decoder": {"type": "Sequence", "decoders": decoders},
        "model": _bpe(
            vocab,
            sentencepiece_merges(tokens, [float(s) for s in scores]),
            fuse_unk=True,
            byte_fallback=True,
            unk_token=tokens[unk] if unk is not None else None,
        ),
    }


def _byte_level_spec(g: GGUFContents, tokens: list[str], types: list[int]) -> dict:
    spelling = {b: c for c, b in _byte_decoder().items()}  # byte -> its printable stand-in
    alphabet = set(spelling.values())

    def spelled(t: str) -> str:
        return t if set(t) <= alphabet else "".join(spelling[b] for b in t.encode("utf-8"))

    n = len(tokens)
    vocab: dict[str, int] = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(spelled(t), i)
    merges = [m.split(" ", 1) for m in _list(g, "merges") if isinstance(m, str) and " " in m]
    split = PRE_SPLITS.get(g.get("tokenizer.ggml.pre", "default"))
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True}
    if split is None:  # GPT-2's own split, built into the byte-level step
        pre = {**byte_level, "use_regex": True}
    else:
        pre = {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split",
                    "pattern": {"Regex": split},
                    "behavior": "Isolated",
                    "invert": False,
                },
                {**byte_level, "use_regex": False},
            ],
        }
    bos, eos = _id(g, "bos_token_id", n), _id(g, "eos_token_id", n)
    return {
        "version": "1.0",
        # a control token spelled outside the byte alphabet is a mislabelled ordinary one
        "added_tokens": _added(tokens, types, keep=lambda t: set(t) <= alphabet),
        "normalizer": None,
        "pre_tokenizer": pre,
        "post_processor": _post_processor(tokens, bos, eos, g, default_bos=False),
        "decoder": {**byte_level, "use_regex": True},
        "model": _bpe(vocab, merges, continuing_subword_prefix="", end_of_word_suffix=""),
    }


def eos_ids(g: GGUFContents, tokens: list[str], types: list[int]) -> list[int]:
    n = len(tokens)
    ids = [_id(g, k, n) for k in ("eos_token_id", "eot_token_id", "eom_token_id")]
    out = [i for i in ids if i is not None]
    for i, (t, kind) in enumerate(zip(tokens, types, strict=True)):
        if t in END_OF_TURN and kind in (CONTROL, USER_DEFINED) and i not in out:
            out.append(i)
    return out


def gguf_tokenizer(g: GGUFContents) -> TokenizerJSON:
    """The file's tokenizer, or ModelFileError with one line."""
    kind = g.get("tokenizer.ggml.model")
    tokens = _list(g, "tokens")
    if not tokens:
        raise ModelFileError(g.path, "the file has no vocabulary (tokenizer.ggml.tokens)")
    types = [int(t) for t in _list(g, "token_type")] or [NORMAL] * len(tokens)
    if len(types) != len(tokens):
        raise ModelFileError(g.path, "tokenizer.ggml.token_type does not give one type per token")
    if kind == "gpt2":
        spec = _byte_level_spec(g, tokens, types)
    elif kind == "llama":
        spec = _sentencepiece_spec(g, tokens, types)
    else:
        raise ModelFileError(
            g.path, f"tokenizer {kind!r} is not supported (only gpt2 and llama vocabularies)"
        )
    try:
        tok = TokenizerJSON(
            json.dumps(spec), eos_ids(g, tokens, types), _id(g, "bos_token_id", len(tokens))
        )
    except Exception as e:  # the tokenizers library refuses inconsistent vocabularies
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelFileError(g.path, f"cannot build the tokenizer ({reason})") from None
    return tok


def chat_of(g: GGUFContents) -> dict | None:
    """The card's `chat` entry: the file's template and the special tokens it sees, or None."""
    template = g.get("tokenizer.chat_template")
    if not isinstance(template, str) or not template:
        return None
    tokens = _list(g, "tokens")
    special = {}
    for name, key in SPECIAL_IDS.items():
        i = _id(g, key, len(tokens))
        if i is not None:
            special[name] = tokens[i]
    return {"template": template, "source": "GGUF metadata", "special_tokens": special}
