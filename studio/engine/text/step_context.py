"""The context the model read before drawing one token of a past run: shared by the views that
recompute a step (the sampling stages, attention and the logit lens), so they all read what the
run read."""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.errors import SettingsError
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.text.context_window import context_window
from studio.engine.text.generation import GenerationSettings, start_ids, text_network


@dataclass(frozen=True)
class StepContext:
    """Token `step` of a run: the run's ids up to it and the window the model read."""

    ids: list[int]  # the window's prompt ids, then the generated ids before the token
    start: int  # ids[start:end] is what the model read
    end: int
    prompt_len: int  # ids[:prompt_len] are the prompt's
    chosen: int  # the drawn token's id
    step: int  # its index among the generated tokens


def step_context(
    loaded: LoadedModel, prompt: str, generated_ids: list[int], settings: GenerationSettings
) -> StepContext:
    """The context of the last of `generated_ids` (sample 0 of a run of `prompt` with
    `settings`). Raises SettingsError for an empty `generated_ids`, ids outside the vocabulary
    or a model without a tokenizer."""
    tok = loaded.tokenizer
    if tok is None:
        raise SettingsError(f"{loaded.name} is not a text model")
    if not generated_ids:
        raise SettingsError("no token to inspect")
    model = text_network(loaded)
    vocab = model.config.vocab_size
    if any(not 0 <= i < vocab for i in generated_ids):
        raise SettingsError(f"token ids must lie in 0..{vocab - 1} for {loaded.name}")
    block = model.config.block_size
    ids = (tok.encode(prompt) or start_ids(loaded))[-block:] + list(generated_ids[:-1])
    step = len(generated_ids) - 1
    prompt_len = len(ids) - step
    start, end = context_window(prompt_len, block, settings.context, step)
    return StepContext(ids, start, end, prompt_len, generated_ids[-1], step)
