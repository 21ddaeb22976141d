"""The tree of the text run on screen (io/run_tree.py) and its branches: Branch here (a token's
context menu in the output view, or the sampling-stages dialog) starts a branch on the engine, an
ended branch joins the tree, and the tree panel beside the output shows every branch; choosing one
shows its path.

A branch goes on with the settings of the run it branches (its seed too: see
engine/text/branching.py) from the text up to the token, with the chosen token in its place. The
runs on its path are stored in the history first (a run opened from a file is not yet), so that
the branch joins their tree there.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.io.run import RunFormatError, RunRecord, trace_events
from studio.io.run_tree import RunTree, store_path
from studio.ui.branch_tree import BranchTree
from studio.ui.model_picker import ModelPicker


class TextBranches(QObject):
    """Branching for TextWorkspace `ws`; `panel` is the tree panel (hidden while the run on
    screen has no branch)."""

    sig_branch_started = Signal()
    """A branch run was asked of the engine."""

    def __init__(self, ws) -> None:
        super().__init__(ws)
        self.ws = ws
        self.history = None  # the window's HistoryStore, where the branched runs go first
        self.tree: RunTree | None = None
        self.key = 0  # the node on screen
        self.pending: tuple[int, int] | None = None  # (parent key, fork) of the branch running
        self.view = BranchTree()
        self.view.sig_node_chosen.connect(self.show_node)
        self.panel = QWidget()
        self.panel.setObjectName("branchPanel")
        title = QLabel(self.tr("Branches"))
        title.setToolTip(self.view.toolTip())
        layout = QVBoxLayout(self.panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        self.panel.hide()

    # ---- the tree on screen -------------------------------------------------------------------

    def set_tree(self, tree: RunTree | None, key: int = 0) -> None:
        """The tree of the text on screen (None: a run in progress that is no branch)."""
        self.tree, self.key = tree, key
        self.pending = None
        self._refresh()

    def _refresh(self) -> None:
        tree = self.tree
        many = tree is not None and len(tree) > 1
        self.panel.setVisible(many)
        if many and tree is not None:
            self.view.show_tree(tree, self.key)

    def record(self) -> RunRecord | None:
        """The run on screen as one record (a branch: its whole path)."""
        return None if self.tree is None else self.tree.path_record(self.key)

    def show_node(self, key: int) -> None:
        """Show node `key`'s path in the output view (not while a run streams there)."""
        if self.tree is None or self.ws.runs.running or not 0 <= key < len(self.tree):
            return
        self.key = key
        self.ws.display_record(self.tree.path_record(key))
        if self.view.current_key() != key:
            self._refresh()

    def tree_for(self, record: RunRecord | None) -> tuple[RunTree, int] | None:
        """The tree on screen and its node shown, if `record` is what is on screen."""
        if self.tree is None or record is None or record is not self.ws.last_run:
            return None
        return self.tree, self.key

    # ---- branching ----------------------------------------------------------------------------

    def branch(self, i: int, token: int, text: str = "") -> bool:
        """Branch the text on screen at generated token i with token id `token` (or, when it is
        negative, the token typed as `text`); False, said in the message line, when it cannot."""
        ws, tree = self.ws, self.tree
        if tree is None or ws.runs.running or tree.kind != "text":
            return False
        path = tree.path_trace(self.key)
        if not 0 <= i <= len(path):
            return False
        node = tree.nodes[self.key].run
        if ws.info is None or not ModelPicker.same_path(ws.info["path"], node.model_path):
            ws.message_bar.show_message(
                self.tr("This text was made by {0}: open that model to branch it.").format(
                    node.model_title or node.model_name
                ),
                error=False,
            )
            return False
        parent = tree.owner(self.key, i)
        parent_id = self._stored(parent)
        try:
            prefix = trace_events(path[:i])
        except RunFormatError:
            return False
        branch: dict = {"prefix": [t.id for t in prefix]}
        branch.update({"token": token} if token >= 0 else {"text": text})
        ws.message_bar.hide()
        ws.runs.begin("text", self.tr("tokens"), self.tr("tok/s"), self.tr("first token –"))
        self.pending = (parent, i)
        ws.start_output(node.prompt, node.settings, node.model_path, node.model_title)
        ws.output.append_tokens(prefix)
        ws.engine.branch(node.prompt, node.settings, branch, {"parent": parent_id, "fork": i})
        self.sig_branch_started.emit()
        return True

    def _stored(self, key: int) -> int | None:
        """The history id of node `key`, storing the runs on its path that are not there yet."""
        tree = self.tree
        if tree is None or self.history is None:
            return None
        try:
            return store_path(tree, key, self.history.add)
        except Exception as e:  # noqa: BLE001 - the branch still runs, unstored
            self.ws.message_bar.show_message(
                self.tr("The run could not be saved to the history: {0}").format(e)
            )
            return None

    def run_ended(self, record: RunRecord | None) -> RunRecord | None:
        """A text run ended: a branch joins the tree, another run starts a tree of its own.
        Returns what is on screen as one record."""
        pending, self.pending = self.pending, None
        if pending is not None and self.tree is not None:
            if record is None or not record.trace:  # failed: the node it branched stays shown
                self.ws.display_record(self.tree.path_record(self.key))
                return self.record()
            record.branch = {}
            self.key = self.tree.add(record, pending[0], pending[1])
            self._refresh()
            return self.record()
        if record is not None:
            self.set_tree(RunTree(record))
        return record
