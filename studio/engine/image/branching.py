"""A branch of an image run: every pixel before (row, col) in raster order as the run drew it,
the value chosen there by hand, and the pixels after it drawn again.

The engine gets the run's picture as the init image, the run's own kept pixels (a completion's) as
the mask, and a `PixelBranch`. Pixels before the fork are kept from the picture; the pixel at the
fork is not drawn but takes the chosen value, with the probabilities the model gives it there; the
pixels after it are drawn (those the run kept stay kept).

The seed: each drawn pixel takes exactly one uniform number from its sample's generator (see
generation.py's `draw`), so the generator as the run's stood just after the fork is rebuilt by
seeding it with the run's seed and taking as many numbers as the run had drawn pixels up to and
including the fork (`draws_through`). Every pixel after the fork is then drawn with the very
generator state the run's own pixel there was drawn with: the same branch always gives the same
picture, and a branch with the value the run drew gives the run's own picture back. Greedy runs
draw nothing, so there the seed does not matter.

A branch of sample i of a batch is a run of one sample with seed + i (sample i's own generator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from studio.core.errors import SettingsError
from studio.engine.formats.studio_file import LoadedModel


@dataclass(frozen=True)
class PixelBranch:
    row: int
    col: int
    value: int  # a grey level (0-255) or a palette index: what the model draws there

    @classmethod
    def from_dict(cls, d: dict) -> PixelBranch:
        """From a request's {"row", "col", "value"} (other keys, e.g. "sample", are the
        window's)."""
        try:
            return cls(int(d["row"]), int(d["col"]), int(d["value"]))
        except (KeyError, TypeError, ValueError):
            raise SettingsError("a pixel branch needs a row, a column and a value") from None


def value_count(loaded: LoadedModel) -> int:
    """How many values a pixel of this model takes: 256 grey levels, or the palette's size."""
    palette = loaded.extras.get("palette")
    return 256 if palette is None else len(palette)


def check_branch(loaded: LoadedModel, branch: PixelBranch, kept: np.ndarray | None) -> int:
    """The fork's raster position; SettingsError (one line) for a pixel outside the picture, one
    the run kept rather than drew, or a value the model cannot draw."""
    H, W = loaded.extras["height"], loaded.extras["width"]
    if not (0 <= branch.row < H and 0 <= branch.col < W):
        raise SettingsError(
            f"pixel ({branch.row}, {branch.col}) is outside {loaded.name}'s {W}x{H} picture "
            f"(rows 0-{H - 1}, columns 0-{W - 1})"
        )
    if kept is not None and kept[branch.row, branch.col]:
        raise SettingsError(
            f"pixel ({branch.row}, {branch.col}) was kept from the init image, not drawn; "
            "branch at a drawn pixel"
        )
    V = value_count(loaded)
    if not 0 <= branch.value < V:
        what = "grey levels 0-255" if loaded.extras.get("palette") is None else "palette indices"
        raise SettingsError(
            f"value {branch.value} is not one {loaded.name} draws ({what} 0-{V - 1})"
        )
    return branch.row * W + branch.col


def branch_given(kept: np.ndarray | None, fork: int, H: int, W: int) -> np.ndarray:
    """(H, W) bool: the pixels a branch keeps: those before the fork, and the run's kept ones."""
    given = (np.arange(H * W) < fork).reshape(H, W)
    return given | kept if kept is not None else given


def draws_through(kept: np.ndarray | None, fork: int) -> int:
    """How many pixels the run drew up to and including raster position `fork`."""
    if kept is None:
        return fork + 1
    return int((~kept.reshape(-1)[: fork + 1]).sum())


def advance(gens: list[torch.Generator], draws: int, device: torch.device) -> None:
    """Move every generator on by `draws` pixel draws, each made as `draw` makes it: one call for
    one uniform number (on a GPU a call moves the generator on by a fixed step whatever its size,
    so one call for all of them would not land where the run's generator stood)."""
    for g in gens:
        for _ in range(draws):
            torch.rand(1, generator=g, device=device)
