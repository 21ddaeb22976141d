import torch

from studio.engine.networks.gpt import GPT, GPTConfig


def _model(bias=True):
    torch.manual_seed(0)
    return GPT(
        GPTConfig(block_size=48, vocab_size=50, n_layer=3, n_head=4, n_embd=32, bias=bias)
    ).eval()


def test_cached_steps_equal_uncached_forward():
    m = _model()
    x = torch.randint(0, 50, (3, 40))
    with torch.no_grad():
        full = m(x)
        cache = m.new_cache(3)
        parts = [m(x[:, :17], cache)]
        for t in range(17, 40):
            parts.append(m(x[:, t : t + 1], cache))
    assert torch.allclose(full, torch.cat(parts, 1), atol=1e-5)


def test_chunked_prefill_after_cache_equals_uncached():
    m = _model(bias=False)
    x = torch.randint(0, 50, (2, 30))
    with torch.no_grad():
        full = m(x)
        cache = m.new_cache(2)
        m(x[:, :10], cache)
        rest = m(x[:, 10:], cache)
    assert torch.allclose(full[:, 10:], rest, atol=1e-5)


def test_window_overflow_is_refused():
    m = _model()
    cache = m.new_cache(1)
    m(torch.zeros(1, 48, dtype=torch.long), cache)
    try:
        m(torch.zeros(1, 1, dtype=torch.long), cache)
    except ValueError as e:
        assert "context window" in str(e)
    else:
        raise AssertionError("expected a ValueError")


def test_weights_are_tied_and_param_count_matches_config():
    m = _model()
    assert m.lm_head.weight is m.transformer.wte.weight
    assert sum(p.numel() for p in m.parameters()) == m.config.num_params()


def test_absurd_config_is_refused():
    cfg = GPTConfig(n_layer=10**9)
    assert any("n_layer" in p for p in cfg.validate())
