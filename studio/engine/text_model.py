"""Opening one of our text model files (`kind: text-gpt`)."""

from __future__ import annotations

from pathlib import Path

from studio.engine.errors import ModelFileError
from studio.engine.gpt import GPT, GPTConfig
from studio.engine.modelfile import LoadedModel, load_state_into, load_tensors
from studio.engine.tokenizers import tokenizer_from_card


def gpt_from_card(path: str | Path, card: dict) -> GPT:
    arch = card.get("architecture")
    if not isinstance(arch, dict):
        raise ModelFileError(path, "the model card has no 'architecture'")
    try:
        config = GPTConfig.from_dict(arch)
    except TypeError as e:
        raise ModelFileError(path, f"bad architecture in the card ({e})") from None
    problems = config.validate()
    if problems:
        raise ModelFileError(path, "bad architecture in the card: " + "; ".join(problems))
    return GPT(config)


def load_text_model(path: str | Path, card: dict) -> LoadedModel:
    try:
        tokenizer = tokenizer_from_card(card.get("tokenizer") or {})
    except (ValueError, TypeError) as e:
        raise ModelFileError(path, f"bad tokenizer in the card ({e})") from None
    model = gpt_from_card(path, card)
    if tokenizer.vocab_size > model.config.vocab_size:
        raise ModelFileError(
            path,
            f"the tokenizer has {tokenizer.vocab_size} tokens but the model only {model.config.vocab_size}",
        )
    load_state_into(path, model, load_tensors(path))
    name = card.get("name") or Path(path).stem
    return LoadedModel(
        name=name,
        path=str(path),
        kind="text-gpt",
        card=card,
        model=model.eval(),
        tokenizer=tokenizer,
    )
