"""One step of a past run, stage by stage: the distribution the model gave, and what each stage of
the sampling chain made of it (repetition penalty -> temperature -> top-k -> top-p -> min-p), up to
the one the token was drawn from.

    stages = sampling_stages(loaded, prompt, generated_ids[: step + 1], settings)

Recomputed on demand rather than recorded while generating, so streaming pays nothing for it: the
model reads the same context it read at that step (the window as it stood then, under either way
past it, see context_window.py) and the chain's stages are applied one at a time.
"""

from __future__ import annotations

import torch

from studio.core.errors import SettingsError
from studio.core.events import Candidate
from studio.core.stages import StageDistribution
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.sampling.chain import build_chain, entropy_nats
from studio.engine.sampling.greedy import greedy_pick
from studio.engine.text.context_window import context_window  # noqa: F401 - tests import it here
from studio.engine.text.generation import GenerationSettings, text_network
from studio.engine.text.step_context import step_context


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
    if loaded.kind == "translate-seq2seq":
        return translation_stages(loaded, prompt, generated_ids, settings, top_n)
    ctx = step_context(loaded, prompt, generated_ids, settings)
    tok, model = loaded.tokenizer, text_network(loaded)
    ids, start, end, chosen = ctx.ids, ctx.start, ctx.end, ctx.chosen
    device = next(model.parameters()).device
    history = torch.tensor([ids], dtype=torch.long, device=device)  # (1, T): penalty's context
    with torch.inference_mode():
        logits = model(history[:, start:end], model.new_cache(1), last_only=True)[:, -1]
    token_text = getattr(tok, "token_text", None) or (lambda i: tok.decode([i]))
    return stages_of(logits.float(), history, chosen, settings, token_text, top_n)


def translation_stages(
    loaded: LoadedModel,
    source: str,
    generated_ids: list[int],
    settings: GenerationSettings,
    top_n: int = 8,
) -> list[StageDistribution]:
    """`sampling_stages` for a translation of `source`: the decoder reads the target so far from
    its start token, and the penalty's context is that target, as when translating."""
    from studio.engine.text.translation import source_ids, translation_parts
    from studio.engine.text.translation_search import ban, banned_ids
    from studio.engine.tokenizers import TARGET_BOS

    model, _, tok = translation_parts(loaded)
    if not generated_ids:
        raise SettingsError("no token to show the stages of")
    if any(not 0 <= i < model.config.tgt_vocab for i in generated_ids):
        raise SettingsError("a token id lies outside the model's vocabulary")
    if len(generated_ids) > model.config.max_tgt:
        raise SettingsError(f"the target is longer than {loaded.name}'s {model.config.max_tgt}")
    src, _ = source_ids(loaded, source)
    device = next(model.parameters()).device
    history = torch.tensor([[tok.stoi[TARGET_BOS], *generated_ids[:-1]]], device=device)
    with torch.inference_mode():
        x = torch.tensor([src], dtype=torch.long, device=device)
        logits = model.decode(history, model.new_cache(model.encode(x), x), use_cache=False)
        scores = ban(logits[:, -1].float(), banned_ids(tok))
    return stages_of(scores, history, generated_ids[-1], settings, tok.token_text, top_n)


def stages_of(
    scores: torch.Tensor,
    history: torch.Tensor,
    chosen: int,
    settings: GenerationSettings,
    token_text,
    top_n: int,
) -> list[StageDistribution]:
    """The stages of one step from the model's scores (1, V), the penalty's context (1, T) and
    the token drawn."""
    device = scores.device
    with torch.inference_mode():
        model_probs = scores.softmax(dim=-1)[0]  # (V,)
        shaped = [("model", "", model_probs)]
        for stage in build_chain(settings.sampling):
            scores = stage(history, scores)
            shaped.append((stage.name, stage.setting, scores.softmax(dim=-1)[0]))
        if settings.sampling.greedy:
            point = torch.zeros_like(model_probs)
            point[int(greedy_pick(scores)[0])] = 1.0  # the run's own pick
            shaped.append(("greedy", "", point))
        k = min(top_n, model_probs.numel())
        tops = [torch.topk(probs, k) for _, _, probs in shaped]  # (values (k,), indices (k,))
        # the tokens every stage reports on: the leaders of any stage and the one drawn
        ids_shown = sorted({chosen, *(i for t in tops for i in t.indices.tolist())})
        index = torch.tensor(ids_shown, device=device)
        model_shown = model_probs[index].tolist()
        text = {i: token_text(i) for i in ids_shown}
        model_of = dict(zip(ids_shown, model_shown, strict=True))
        found = []
        for (name, setting, probs), top in zip(shaped, tops, strict=True):
            found.append(
                StageDistribution(
                    name=name,
                    setting=setting,
                    top=tuple(
                        Candidate(i, text[i], p, model_of[i])
                        for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
                    ),
                    kept=int((probs > 0).sum()),
                    entropy=float(entropy_nats(probs)),
                    chosen_prob=float(probs[chosen]),
                    chosen=Candidate(chosen, text[chosen], float(probs[chosen]), model_of[chosen]),
                    probs=dict(zip(ids_shown, probs[index].tolist(), strict=True)),
                )
            )
    return found
