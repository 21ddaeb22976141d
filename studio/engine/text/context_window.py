"""The one rule for going on past the context window, for generation and for the stages view.

Positions are learned, so a full KV cache cannot simply be shifted: once the cache holds `block`
tokens, the next step rebuilds it from the newest tokens, either all `block` of them ("slide",
nanoGPT's sampler: always a full window, a full forward pass per token) or the newest half
("shift", llama.cpp's context shift: cached steps again until the window is full). `generate_text`
asks `rebuild_size` before every step; `context_window` replays the same decisions to say which
tokens the model read at any past step, so the stages view recomputes exactly what the run saw.
"""

from __future__ import annotations

CONTEXT_MODES = ("shift", "slide")  # what happens past the context window (see the module doc)


def rebuild_size(cached: int, block: int, context: str) -> int | None:
    """How many of the newest tokens to rebuild the cache from before the next step, with `cached`
    tokens in a cache of `block`; None: there is room, so the next step is one cached step."""
    if cached < block:
        return None
    return block if context == "slide" else max(1, block // 2)


def context_window(prompt_len: int, block: int, context: str, step: int) -> tuple[int, int]:
    """(start, end) of the token ids the model read before drawing token `step`, as positions in
    the run's ids (the window's prompt, then the generated tokens), following generate_text: the
    prompt in one pass, then before each further token one cached step or a rebuild."""
    start, cached = 0, prompt_len
    for t in range(step):
        length = prompt_len + t + 1  # ids after drawing token t
        keep = rebuild_size(cached, block, context)
        if keep is None:
            cached += 1
        else:
            start, cached = length - keep, keep
    return start, prompt_len + step
