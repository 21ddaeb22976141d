"""Opening one of our translation model files (`kind: translate-seq2seq`).

The card's tokenizer entry holds both sides: `source` (a byte-level BPE, as text models store one)
and `target` (one token per character, with its BOS, EOS, padding and unknown characters). The
loaded model's `tokenizer` is the target's, the one its events' token ids belong to; the source's is
`extras["source_tokenizer"]`.
"""

from __future__ import annotations

from pathlib import Path

from studio.core.errors import ModelFileError
from studio.engine.formats.studio_file import (
    LoadedModel,
    architecture_from_card,
    check_tensor_shapes,
    load_state_into,
    load_tensors,
    read_header,
)
from studio.engine.networks.seq2seq import Seq2Seq, Seq2SeqConfig
from studio.engine.tokenizers import TARGET_BOS as BOS
from studio.engine.tokenizers import TARGET_EOS as EOS
from studio.engine.tokenizers import BPETokenizer, target_tokenizer, tokenizer_from_card

KIND = "translate-seq2seq"


def load_translate_model(path: str | Path, card: dict) -> LoadedModel:
    entry = card.get("tokenizer") or {}
    try:
        source = tokenizer_from_card(entry.get("source") or {})
        target_entry = entry.get("target") or {}
        vocab = target_entry.get("vocab")
        if not isinstance(vocab, str) or BOS not in vocab or EOS not in vocab:
            raise ValueError("the target vocabulary lacks its start or end character")
        target = target_tokenizer(vocab=vocab)
    except (ValueError, TypeError, AttributeError) as e:
        raise ModelFileError(path, f"bad tokenizer in the card ({e})") from None
    if not isinstance(source, BPETokenizer):
        raise ModelFileError(path, "the source tokenizer must be a BPE")
    config = architecture_from_card(path, Seq2SeqConfig, card.get("architecture"))
    if source.vocab_size > config.src_vocab or target.vocab_size > config.tgt_vocab:
        raise ModelFileError(path, "the tokenizers have more tokens than the model's embeddings")
    # the stored shapes against the configuration before building: each size may be in bounds
    # while their product asks for terabytes
    header, _ = read_header(path)
    shapes = {k: tuple(v.get("shape", ())) for k, v in header.items() if isinstance(v, dict)}
    expected = _expected_shapes(config)
    check_tensor_shapes(path, expected, shapes)
    model = Seq2Seq(config)
    load_state_into(path, model, load_tensors(path))
    return LoadedModel(
        name=card.get("name") or Path(path).stem,
        path=str(path),
        kind=KIND,
        card=card,
        model=model.eval(),
        tokenizer=target,
        extras={"source_tokenizer": source},
    )


def _expected_shapes(c: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor's shape for config c, computed without building the network."""
    import torch

    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in Seq2Seq(c).state_dict().items()}
