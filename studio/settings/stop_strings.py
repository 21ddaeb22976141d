"""Stop strings as people type them, one meaning in the window and on the command line:
`\n`, `\t` and `\\` stand for a newline, a tab and a backslash; any other backslash is itself.
"""

from __future__ import annotations

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def decode_stop(typed: str) -> str:
    """The stop string a typed one stands for: "\\n\\n" (as typed: backslash, n, ...) is two
    newlines."""
    out, i = [], 0
    while i < len(typed):
        ch = typed[i]
        if ch == "\\" and i + 1 < len(typed):
            nxt = typed[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def encode_stop(stop: str) -> str:
    """How a stop string is typed: the inverse of decode_stop."""
    return stop.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
