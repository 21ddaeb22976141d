"""Attention and the logit lens on the Llama family: each layer's attention of the last query equals
transformers' `output_attentions` (eager attention) per query head, grouped-query attention and
Qwen3's q/k norms included; the lens's last depth is the model's own output."""

from __future__ import annotations

import pytest
import torch
from llama_helpers import make_folder, reference

from studio.engine.formats.model_finder import load_model
from studio.engine.networks.inspection import Inspectable


@pytest.mark.parametrize("arch", ["llama", "qwen2", "qwen3"])
def test_attention_of_the_last_query_equals_transformers(tmp_path, arch):
    folder = make_folder(tmp_path / arch, arch)
    ours = load_model(str(folder)).model
    assert isinstance(ours, Inspectable)
    theirs = reference(folder)
    theirs.config._attn_implementation = "eager"  # the weights themselves, not a fused kernel
    idx = torch.tensor([[5, 17, 3, 99, 42, 7, 64, 12, 8, 30]])
    with torch.inference_mode():
        trace = ours.trace(idx)
        out = theirs(idx, output_attentions=True)
    assert len(trace.attention) == len(out.attentions)
    for mine, ref in zip(trace.attention, out.attentions, strict=True):
        # ref: (B, n_head, T, T); the last query's row
        torch.testing.assert_close(mine, ref[:, :, -1, :].float(), atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(mine.sum(-1), torch.ones_like(mine.sum(-1)))
    torch.testing.assert_close(trace.logits, out.logits[:, -1].float(), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(ours.read_out(trace.residuals[-1]), trace.logits)
