"""Single-row products in column blocks give bitwise the plain product's numbers."""

import pytest
import torch

from studio.engine.networks import row_products as products
from studio.engine.networks.gpt import GPT, GPTConfig
from studio.engine.networks.row_products import row_product


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _weight(out_f: int, in_f: int, stored_in_out: bool) -> torch.Tensor:
    w = torch.randn(out_f, in_f)
    return w.t().contiguous().t() if stored_in_out else w  # same shape, the other layout


@pytest.mark.parametrize("stored_in_out", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(
    "out_f,in_f", [(2304, 768), (768, 3072), (1537, 192), (3073, 768), (5001, 96), (256, 1100)]
)
def test_blocks_equal_the_plain_product_bitwise(out_f, in_f, stored_in_out, bias, two_threads):
    torch.manual_seed(out_f + in_f)
    w = _weight(out_f, in_f, stored_in_out)
    b = torch.randn(out_f) if bias else None
    x = torch.randn(1, in_f)
    plain = row_product(w, b, rows=1, threads=1)
    expected = torch.addmm(b if bias else torch.zeros(out_f), x, w.t())
    torch.testing.assert_close(plain(x), expected, atol=1e-4, rtol=1e-5)
    for threads in (2, 3, 4):
        blocked = row_product(w, b, rows=1, threads=threads)
        if out_f // threads >= products.BLOCK_ALIGN:  # the blocks are really used here
            assert blocked.func is products._blocked
        for torch_threads in (1, 2):
            torch.set_num_threads(torch_threads)
            assert torch.equal(blocked(x), plain(x)), (threads, torch_threads)


def test_blocks_only_where_they_pay():
    w = _weight(2304, 768, True)
    assert row_product(w, None, rows=1, threads=2).func is products._blocked
    assert row_product(w, None, rows=1, threads=1).func is not products._blocked
    assert row_product(w, None, rows=2, threads=2).func is not products._blocked
    small = _weight(576, 192, True)  # 0.4 MB: mostly in cache, the batched call costs more
    assert row_product(small, None, rows=1, threads=2).func is not products._blocked
    narrow = _weight(100, 4000, False)  # fewer than 64 columns per block
    assert row_product(narrow, None, rows=1, threads=2).func is not products._blocked


def test_several_rows_use_the_plain_product():
    w = _weight(576, 192, False)
    b = torch.randn(576)
    x = torch.randn(3, 192)
    torch.testing.assert_close(row_product(w, b, rows=3, threads=2)(x), x @ w.t() + b)


def test_a_weight_in_neither_layout_is_refused():
    w = torch.randn(100, 400)[:, ::2]
    with pytest.raises(ValueError, match="stored"):
        row_product(w, None, rows=1, threads=2)


@pytest.mark.parametrize("bias", [True, False])
def test_decoder_with_blocks_draws_the_same_numbers(bias, two_threads, monkeypatch):
    torch.manual_seed(0)
    cfg = GPTConfig(block_size=32, vocab_size=1000, n_layer=2, n_head=4, n_embd=384, bias=bias)
    m = GPT(cfg).eval()  # matrices of 0.6-2.4 MB: some in blocks, some whole; the head in blocks
    x = torch.randint(0, 1000, (1, 24))
    runs = []
    with torch.inference_mode():
        for min_bytes in (products.MIN_BLOCKED_BYTES, 1 << 40):  # blocks, then none
            monkeypatch.setattr(products, "MIN_BLOCKED_BYTES", min_bytes)
            cache = m.new_cache(1)
            m(x[:, :4], cache)
            step = m.decoder(cache)
            assert (step.head.func is products._blocked) == (min_bytes < 1 << 40)
            runs.append(torch.stack([step(x[:, t]) for t in range(4, 24)]))
        full = m(x)[0, 4:]
    assert torch.equal(runs[0], runs[1])
    torch.testing.assert_close(runs[0][:, 0], full, atol=1e-5, rtol=1e-4)
