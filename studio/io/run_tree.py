"""A tree of runs: a run and the branches made from it, each branch a run of its own.

A node is a RunRecord. The root is an ordinary run. A text branch stores its parent, its fork (the
position, in the whole generated text of its path, of its first token: the one chosen by hand) and
only its own tokens, chosen one first (`run.trace`, marked `by_hand`): the tokens before the fork
are its parent's path, stored once and put back together here (`path_trace`). An image branch
stores its whole picture (the pixels before the fork are in it anyway), its fork (the pixel's
position in raster order) and the value chosen there; its per-pixel maps (probabilities, entropy)
hold only the pixels it drew, and `path_record` puts its parent's in before the fork. A branch of
a batch's sample i says so in `chosen["sample"]`; a branch itself has one sample.

Forks along a path only grow: a branch at a position hangs under the node on the path that made
the token there (`owner`), so a branch at an earlier position of a branch's text is a branch of
an ancestor.

The tree file (`to_json`) is {"format": "aigc-studio.tree", "version": 1, "nodes": [...]}, each
node {"key", "parent" (a key, null for the root), "fork", "chosen", "run" (the run's own format)},
parents before children.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.io.run import RunFormatError, RunRecord

TREE_FORMAT = "aigc-studio.tree"
TREE_FORMAT_VERSION = 1


@dataclass
class TreeNode:
    run: RunRecord
    parent: int | None = None  # the parent's key; None for the root
    fork: int = 0  # text: position of the chosen token; image: row * width + col
    # text: {"id", "text", "prob", "model_prob"}; image: {"row", "col", "value", "sample", "prob",
    # "model_prob"}: what was chosen by hand at the fork, with what the model gave it
    chosen: dict | None = None


def chosen_token(entry: dict) -> dict:
    """The `chosen` of a text branch from its first trace entry."""
    return {k: entry[k] for k in ("id", "text", "prob", "model_prob")}


class RunTree:
    """A run and its branches; node keys are positions in `nodes` (the root is 0)."""

    def __init__(self, root: RunRecord) -> None:
        self.nodes: list[TreeNode] = [TreeNode(root)]

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def root(self) -> RunRecord:
        return self.nodes[0].run

    @property
    def kind(self) -> str:
        return self.root.kind

    # ---- shape --------------------------------------------------------------------------------

    def add(self, run: RunRecord, parent: int, fork: int, chosen: dict | None = None) -> int:
        """Hang `run` under node `parent` at `fork`; its key. A text branch's `chosen` defaults
        to its first token's. ValueError if the fork is not inside the parent's own part."""
        if not 0 <= parent < len(self.nodes):
            raise ValueError(f"no node {parent} in the tree")
        p = self.nodes[parent]
        if self.kind == "text":
            lo = p.fork + 1 if p.parent is not None else 0
            if not lo <= fork <= len(self.path_trace(parent)):
                raise ValueError(f"fork {fork} is outside node {parent}'s tokens")
            if chosen is None and run.trace:
                chosen = chosen_token(run.trace[0])
        else:
            pixels = int(p.run.media.get("height", 0)) * int(p.run.media.get("width", 0))
            if not 0 <= fork < pixels:
                raise ValueError(f"fork {fork} is outside node {parent}'s {pixels} pixels")
            if chosen is None:
                chosen = run.media.get("chosen")
        self.nodes.append(TreeNode(run, parent, fork, chosen))
        return len(self.nodes) - 1

    def children(self, key: int) -> list[int]:
        """Node `key`'s branches, by fork then by age."""
        kids = [k for k, n in enumerate(self.nodes) if n.parent == key]
        return sorted(kids, key=lambda k: (self.nodes[k].fork, k))

    def path(self, key: int) -> list[int]:
        """The keys from the root to `key`."""
        keys = [key]
        while (parent := self.nodes[keys[-1]].parent) is not None:
            keys.append(parent)
        return keys[::-1]

    def owner(self, key: int, position: int) -> int:
        """The node on `key`'s path that made the token at `position` of its text: a branch there
        hangs under it (the deepest node whose fork is before the position)."""
        owner = 0
        for k in self.path(key)[1:]:
            if self.nodes[k].fork < position:
                owner = k
        return owner

    def image_fork(self, key: int, sample: int, fork: int) -> tuple[int, int]:
        """(the node a branch of `sample` of node `key`'s pictures at pixel `fork` hangs under,
        and the sample of that node's run it branches): an earlier run (`owner`) is branched at
        the sample the path to `key` came from."""
        parent = self.owner(key, fork)
        if parent == key:
            return key, sample
        path = self.path(key)
        below = self.nodes[path[path.index(parent) + 1]]
        return parent, int((below.chosen or {}).get("sample", 0))

    def find(self, run_id: int) -> int | None:
        """The key of the node holding the run with this history id."""
        for k, n in enumerate(self.nodes):
            if n.run.id == run_id:
                return k
        return None

    # ---- a path as one run --------------------------------------------------------------------

    def path_trace(self, key: int) -> list[dict]:
        """The generated tokens of `key`'s path: each branch's own after its parent's up to the
        fork (text trees)."""
        trace: list[dict] = []
        for k in self.path(key):
            n = self.nodes[k]
            trace = list(n.run.trace) if n.parent is None else trace[: n.fork] + n.run.trace
        return trace

    def path_record(self, key: int) -> RunRecord:
        """Node `key` as one run: for text, the root's prompt, the whole path's text and trace,
        the node's settings and numbers; for an image, the node's own record."""
        n = self.nodes[key]
        if n.parent is None:
            return n.run
        if self.kind != "text":
            return self._image_path_record(key)
        trace = self.path_trace(key)
        return replace(
            n.run,
            text="".join(str(t.get("text", "")) for t in trace),
            trace=trace,
            tokens=len(trace),
            branch={},
        )

    def _image_path_record(self, key: int) -> RunRecord:
        """Image branch `key` with its parent's per-pixel maps before the fork (at the sample it
        was branched from), and as many pixels drawn as its path drew: the whole picture's."""
        n = self.nodes[key]
        assert n.parent is not None
        parent = self.path_record(n.parent)
        sample = int((n.chosen or {}).get("sample", 0))
        media = dict(n.run.media)
        for name in ("prob", "model_prob", "entropy"):
            own, theirs = media.get(name), parent.media.get(name)
            if own and theirs and sample < len(theirs):
                media[name] = [list(theirs[sample][: n.fork]) + list(own[0][n.fork :])]
        kept_before = 0
        if media.get("kept"):
            from studio.io.image_export import decode_png

            kept_before = int((decode_png(media["kept"]).reshape(-1)[: n.fork] > 0).sum())
        return replace(n.run, media=media, tokens=n.fork - kept_before + n.run.tokens, branch={})

    # ---- the tree file ------------------------------------------------------------------------

    def to_json(self) -> dict:
        nodes = []
        for k, n in enumerate(self.nodes):
            run = n.run.to_json()
            run.pop("branch", None)  # history ids: the file's links are its keys
            nodes.append(
                {"key": k, "parent": n.parent, "fork": n.fork, "chosen": n.chosen, "run": run}
            )
        return {"format": TREE_FORMAT, "version": TREE_FORMAT_VERSION, "nodes": nodes}

    @classmethod
    def from_json(cls, d: object) -> RunTree:
        if not isinstance(d, dict) or d.get("format") != TREE_FORMAT:
            raise RunFormatError("not an AIGC Studio tree (no 'format': 'aigc-studio.tree')")
        if not isinstance(d.get("version"), int) or d["version"] > TREE_FORMAT_VERSION:
            raise RunFormatError(
                f"tree format version {d.get('version')!r} is newer than this studio"
            )
        nodes = d.get("nodes")
        if not isinstance(nodes, list) or not nodes:
            raise RunFormatError("a tree needs a list of nodes, the root first")
        tree: RunTree | None = None
        for i, nd in enumerate(nodes):
            if not isinstance(nd, dict) or nd.get("key", i) != i:
                raise RunFormatError(f"tree node {i} is not node {i}")
            run = RunRecord.from_json(nd.get("run"))
            run.branch = {}
            parent = nd.get("parent")
            if tree is None:
                if parent is not None:
                    raise RunFormatError("the first node of a tree must be its root")
                tree = cls(run)
                continue
            if not isinstance(parent, int) or not 0 <= parent < i:
                raise RunFormatError(f"tree node {i}: its parent must be an earlier node")
            chosen = nd.get("chosen")
            try:
                tree.add(run, parent, int(nd.get("fork", -1)), dict(chosen) if chosen else None)
            except (TypeError, ValueError) as e:
                raise RunFormatError(f"tree node {i}: {e}") from None
        assert tree is not None
        return tree


def store_path(tree: RunTree, key: int, add: Callable[[RunRecord], object]) -> int | None:
    """The history id of node `key`, storing with `add` (History.add) the runs on its path that
    are not stored yet, each linked to its parent's id; add's exceptions go to the caller."""
    for k in tree.path(key):
        n = tree.nodes[k]
        if n.run.id is None:
            n.run.branch = (
                {}
                if n.parent is None
                else {"parent": tree.nodes[n.parent].run.id, "fork": n.fork, "chosen": n.chosen}
            )
            add(n.run)
            n.run.branch = {}
    return tree.nodes[key].run.id


def format_tree(tree: RunTree) -> str:
    return json.dumps(tree.to_json(), ensure_ascii=False, indent=1) + "\n"


def write_tree(path: str | Path, tree: RunTree) -> None:
    """The tree file, atomically; OSError if it cannot be written."""
    atomic_write_text(Path(path), format_tree(tree))


def tree_of(data: object) -> RunTree:
    """A tree from the JSON of a tree file or of a run file (a one-node tree)."""
    if isinstance(data, dict) and data.get("format") == TREE_FORMAT:
        return RunTree.from_json(data)
    return RunTree(RunRecord.from_json(data))


def read_tree(path: str | Path) -> RunTree:
    """A tree or run file (.json) as a tree; RunFormatError naming the file if it is neither."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RunFormatError(f"{path}: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunFormatError(f"{path}: not a JSON file ({e})") from None
    try:
        return tree_of(data)
    except RunFormatError as e:
        raise RunFormatError(f"{path}: {e}") from None
