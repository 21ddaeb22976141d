"""What text generation, the sampling stages and evaluation need from a network (GPT, Llama).

    cache = model.new_cache(batch)
    logits = model(ids (B, T), cache, last_only=True)  # (B, 1, V): the prompt in one pass
    step = model.decoder(cache)                         # optional fast path
    logits = step(next_ids (B,))                        # (B, V): one cached step
    cache.reset()                                       # rebuild from the window's newest tokens

`config.block_size` is the context window in tokens and `config.vocab_size` the logits' width.
Past the window, generation rebuilds the cache from the newest tokens at positions 0.. (see
text/context_window.py); that is right for learned positions (GPT) and rotary ones (Llama) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

import torch


class NetworkConfig(Protocol):
    # read-only, so frozen dataclass configs (GPTConfig, LlamaConfig) satisfy it
    @property
    def block_size(self) -> int: ...

    @property
    def vocab_size(self) -> int: ...


class DecodingCache(Protocol):
    length: int  # positions filled

    def reset(self) -> None: ...


# Each network takes back only the cache it made (GPT's KVCache, Llama's LlamaCache), so the
# interface is generic in it: a caller passes what `new_cache` returned and nothing else.
CacheT = TypeVar("CacheT", bound=DecodingCache)


class TextNetwork(Protocol[CacheT]):
    training: bool

    @property
    def config(self) -> NetworkConfig: ...

    def __call__(
        self, idx: torch.Tensor, cache: CacheT | None = None, last_only: bool = False
    ) -> torch.Tensor: ...

    def new_cache(self, batch: int = 1) -> CacheT: ...

    def decoder(self, cache: CacheT) -> Callable[[torch.Tensor], torch.Tensor]: ...

    def parameters(self, recurse: bool = True) -> Iterator[torch.nn.Parameter]: ...

    def eval(self) -> TextNetwork[CacheT]: ...

    def train(self, mode: bool = True) -> TextNetwork[CacheT]: ...
