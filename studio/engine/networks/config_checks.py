"""The check every network config makes of its sizes before a network is built from it."""

from __future__ import annotations

from collections.abc import Iterable


def size_problems(config: object, limits: Iterable[tuple[str, int]]) -> list[str]:
    """Problems with `config`'s sizes, as short phrases: each named field must be a positive
    integer no larger than its limit (a corrupt or hostile file must not allocate terabytes)."""
    problems = []
    for name, limit in limits:
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{name}={value!r} must be a positive integer")
        elif value > limit:
            problems.append(f"{name}={value} is absurdly large (limit {limit})")
    return problems
