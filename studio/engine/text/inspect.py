"""Look inside one token of a past run: the attention its query paid to the context, and the logit
lens (what the residual stream at that position would say if the model stopped there).

    found = inspect_step(loaded, prompt, generated_ids[: step + 1], settings, what=("attention",))

Recomputed on demand like the sampling stages (the same context, see step_context.py), on one
plain uncached pass of the network's `trace` (networks/inspection.py), so streaming pays nothing.
The answer is core data (studio.core.inspection), free of torch, to cross to the window.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import torch

from studio.core.errors import SettingsError
from studio.core.events import Candidate
from studio.core.inspection import (
    ATTENTION,
    LENS,
    WHAT,
    AttentionMap,
    ContextToken,
    Inspection,
    LensLayer,
    LogitLens,
)
from studio.engine.formats.studio_file import LoadedModel
from studio.engine.networks.inspection import Inspectable, NetworkTrace
from studio.engine.text.generation import GenerationSettings
from studio.engine.text.step_context import step_context

LENS_TOP = 5  # tokens per lens row


def inspect_step(
    loaded: LoadedModel,
    prompt: str,
    generated_ids: list[int],
    settings: GenerationSettings,
    what: Collection[str] = WHAT,
    top_n: int = LENS_TOP,
) -> Inspection:
    """Attention and/or the logit lens (`what`) for the last of `generated_ids` (sample 0 of a
    run of `prompt` with `settings`). Raises SettingsError for a request it cannot answer: an
    unknown `what`, a network that does not offer its insides, and as step_context does."""
    unknown = set(what) - set(WHAT)
    if unknown or not what:
        raise SettingsError(f"inspect what? one or more of {', '.join(WHAT)}")
    model = loaded.model
    if not isinstance(model, Inspectable):
        raise SettingsError(f"{loaded.name}: this kind of network cannot be looked inside")
    ctx = step_context(loaded, prompt, generated_ids, settings)
    tok = loaded.tokenizer
    token_text = getattr(tok, "token_text", None) or (lambda i: tok.decode([i]))
    read = ctx.ids[ctx.start : ctx.end]
    context = tuple(
        ContextToken(i, token_text(i), pos - ctx.prompt_len if pos >= ctx.prompt_len else -1)
        for pos, i in enumerate(read, start=ctx.start)
    )
    chosen = ContextToken(ctx.chosen, token_text(ctx.chosen), ctx.step)
    device = next(model.parameters()).device
    with torch.inference_mode():
        trace = model.trace(torch.tensor([read], dtype=torch.long, device=device))
        attention = _attention(trace) if ATTENTION in what else None
        lens = _lens(model, trace, ctx.chosen, top_n, token_text) if LENS in what else None
    return Inspection(ctx.step, chosen, context, attention, lens)


def _attention(trace: NetworkTrace) -> AttentionMap:
    rows = torch.stack([a[0] for a in trace.attention])  # (layers, heads, T)
    return AttentionMap(rows.float().cpu().numpy().astype(np.float32))


def _lens(
    model: Inspectable, trace: NetworkTrace, chosen: int, top_n: int, token_text
) -> LogitLens:
    residuals = torch.stack([r[0] for r in trace.residuals])  # (layers + 1, C)
    probs = model.read_out(residuals).float().softmax(dim=-1)  # (layers + 1, V)
    # the last depth is the model's own distribution: read from its logits, so that the lens's
    # last row is exactly what the run sampled from
    probs[-1] = trace.logits[0].float().softmax(dim=-1)
    final = probs[-1]
    k = min(top_n, probs.shape[-1])
    top = torch.topk(probs, k, dim=-1)  # values, indices: (layers + 1, k)
    chosen_p = probs[:, chosen]  # (layers + 1,)
    ranks = 1 + (probs > chosen_p[:, None]).sum(dim=-1)  # ties share the better place
    texts: dict[int, str] = {}
    layers = []
    for depth in range(probs.shape[0]):
        ids = top.indices[depth].tolist()
        cands = tuple(
            Candidate(i, texts.setdefault(i, token_text(i)), p, float(final[i]))
            for i, p in zip(ids, top.values[depth].tolist(), strict=True)
        )
        layers.append(LensLayer(depth, cands, float(chosen_p[depth]), int(ranks[depth])))
    layers_t = tuple(layers)
    return LogitLens(layers_t, LogitLens.first_leading(layers_t))
