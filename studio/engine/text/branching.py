"""A branch of a text run: the tokens before the fork, and the token chosen there by hand.

The branch goes on from the run's prompt, its generated tokens up to the fork (`prefix`) and the
chosen token, with the run's settings, seed included. Its sampler is the run's generator as it
stood after the chosen token's position: seeded with the run's seed and moved on by as many draws
as the run had made by then (`len(prefix) + 1`; every draw takes the same share of the generator,
see generation.py). So the token at position p of any branch is drawn with the generator state the
run's own token p was drawn with, the same branch of the same run always gives the same text, and
a branch with the very token the run drew gives the run's own text back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from studio.core.errors import SettingsError
from studio.engine.formats.studio_file import LoadedModel


@dataclass(frozen=True)
class Branch:
    prefix: tuple[int, ...]  # generated token ids before the fork
    token: int | None = None  # the chosen token's id, or
    text: str | None = None  # its text, typed by hand: it must be one token of the model's

    @classmethod
    def from_dict(cls, d: dict) -> Branch:
        """From the window's request: prefix, and token or text."""
        token = d.get("token")
        return cls(
            prefix=tuple(int(i) for i in d.get("prefix") or ()),
            token=None if token is None else int(token),
            text=d.get("text"),
        )


def resolve_branch(loaded: LoadedModel, branch: Branch) -> int:
    """The id of the branch's chosen token; SettingsError (one line) if it is not one token."""
    tok = loaded.tokenizer
    assert tok is not None  # checked by the caller: a text model
    vocab = int(cast(Any, loaded.model).config.vocab_size)  # a text network's (text_network.py)
    if branch.token is not None:
        if not 0 <= branch.token < vocab:
            raise SettingsError(f"token id {branch.token} is not in {loaded.name}'s vocabulary")
        return branch.token
    text = branch.text or ""
    if not text:
        raise SettingsError("type the token to branch with")
    ids = tok.encode(text)
    if getattr(tok, "last_unknown", None):
        raise SettingsError(f"{text!r} is not in {loaded.name}'s vocabulary")
    if len(ids) != 1:
        raise SettingsError(
            f"{text!r} is {len(ids)} tokens for {loaded.name}; type one token "
            "(or choose one of the alternatives)"
        )
    return ids[0]
