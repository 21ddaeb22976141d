"""One step of a past run, stage by stage: the distribution the model gave, and what each stage of
the sampling chain made of it (repetition penalty -> temperature -> top-k -> top-p -> min-p), up to
the one the token was drawn from.

    stages = sampling_stages(loaded, prompt, generated_ids[: step + 1], settings)

Recomputed on demand rather than recorded while generating, so streaming pays nothing for it: the
model reads the same context it read at that step (the window as it stood then, under either way
past it, see `context_window`) and the chain's stages are applied one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from studio.engine.errors import SettingsError
from studio.engine.events import Candidate
from studio.engine.generate import GenerationSettings, start_ids
from studio.engine.modelfile import LoadedModel
from studio.engine.sampling import (
    MinP,
    RepetitionPenalty,
    Temperature,
    TopK,
    TopP,
    build_chain,
    entropy_nats,
)


@dataclass(frozen=True)
class StageDistribution:
    """The next-token distribution after one stage."""

    name: str  # "model", "repetition penalty", "temperature", "top-k", "top-p", "min-p", "greedy"
    setting: str  # the stage's value as set ("" for the model itself)
    top: tuple[Candidate, ...]  # most likely first; prob here, model_prob as the model gave it
    kept: int  # tokens still possible (probability above 0)
    entropy: float  # nats
    chosen_prob: float  # the drawn token's probability here


def context_window(prompt_len: int, block: int, context: str, step: int) -> tuple[int, int]:
    """(start, end) of the token ids the model read before drawing token `step`, as positions in
    the run's ids (the window's prompt, then the generated tokens), following generate_text: one
    cached step per token until the window is full, then a rebuild from its newest `block` tokens
    (slide) or newest half (shift)."""
    start, cached = 0, prompt_len
    for t in range(step):
        length = prompt_len + t + 1  # ids after drawing token t
        if cached < block:
            cached += 1
        else:
            keep = block if context == "slide" else max(1, block // 2)
            start, cached = length - keep, keep
    return start, prompt_len + step


def _stage_name(stage) -> tuple[str, str]:
    if isinstance(stage, RepetitionPenalty):
        return "repetition penalty", f"{stage.penalty:g}"
    if isinstance(stage, Temperature):
        return "temperature", f"{stage.temperature:g}"
    if isinstance(stage, TopK):
        return "top-k", str(stage.k)
    if isinstance(stage, TopP):
        return "top-p", f"{stage.p:g}"
    if isinstance(stage, MinP):
        return "min-p", f"{stage.min_p:g}"
    raise TypeError(f"unknown stage {stage!r}")  # pragma: no cover - the chain has only these


def sampling_stages(
    loaded: LoadedModel,
    prompt: str,
    generated_ids: list[int],
    settings: GenerationSettings,
    top_n: int = 8,
) -> list[StageDistribution]:
    """The distributions behind the last of `generated_ids` (sample 0 of a run of `prompt` with
    `settings`): the model's, then one per stage of the chain that did something, then for greedy
    runs the point mass on the first choice. Raises SettingsError for an empty `generated_ids`,
    ids outside the vocabulary or a model without a tokenizer."""
    tok = loaded.tokenizer
    if tok is None:
        raise SettingsError(f"{loaded.name} is not a text model")
    if not generated_ids:
        raise SettingsError("no token to inspect")
    model = loaded.model
    vocab = model.config.vocab_size
    if any(not 0 <= i < vocab for i in generated_ids):
        raise SettingsError(f"token ids must lie in 0..{vocab - 1} for {loaded.name}")
    block = model.config.block_size
    ids = (tok.encode(prompt) or start_ids(loaded))[-block:] + list(generated_ids[:-1])
    chosen = generated_ids[-1]
    step = len(generated_ids) - 1
    prompt_len = len(ids) - step
    start, end = context_window(prompt_len, block, settings.context, step)
    device = next(model.parameters()).device
    history = torch.tensor([ids], dtype=torch.long, device=device)  # (1, T): penalty's context
    with torch.inference_mode():
        logits = model(history[:, start:end], model.new_cache(1), last_only=True)[:, -1]
        scores = logits.float()  # (1, V)
        model_probs = scores.softmax(dim=-1)  # (1, V)
        found = [_distribution("model", "", model_probs, model_probs, chosen, top_n, tok)]
        for stage in build_chain(settings.sampling):
            scores = stage(history, scores)
            name, setting = _stage_name(stage)
            found.append(
                _distribution(
                    name, setting, scores.softmax(dim=-1), model_probs, chosen, top_n, tok
                )
            )
        if settings.sampling.greedy:
            first = int(scores.argmax(dim=-1))
            point = torch.zeros_like(model_probs)
            point[0, first] = 1.0
            found.append(_distribution("greedy", "", point, model_probs, chosen, top_n, tok))
    return found


def _distribution(
    name: str, setting: str, probs: torch.Tensor, model_probs: torch.Tensor, chosen: int, n, tok
) -> StageDistribution:
    """probs, model_probs: (1, V)."""
    token_text = getattr(tok, "token_text", None) or (lambda i: tok.decode([i]))
    k = min(n, probs.shape[-1])
    top_p, top_i = torch.topk(probs[0], k)  # (k,) each
    top = tuple(
        Candidate(i, token_text(i), p, float(model_probs[0, i]))
        for p, i in zip(top_p.tolist(), top_i.tolist(), strict=True)
    )
    return StageDistribution(
        name=name,
        setting=setting,
        top=top,
        kept=int((probs[0] > 0).sum()),
        entropy=float(entropy_nats(probs)[0]),
        chosen_prob=float(probs[0, chosen]),
    )
