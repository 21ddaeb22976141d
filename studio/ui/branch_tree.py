"""The tree of a run's branches (io/run_tree.py), beside the output: one row per run, a branch
under the run it was branched from, saying where it forks, the token (or an image's pixel value)
chosen there by hand and the probability the model gave it. Choosing a row shows its path in the
output view (or its picture on the image canvas).

Keys: Up and Down go to the previous and next sibling, Left to the parent, Right to the first
branch (a tree's own keys would walk every row in order and fold rows).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from studio.io.display_format import pct, show_text
from studio.io.run_tree import RunTree

KEY_ROLE = Qt.ItemDataRole.UserRole
HEAD_CHARS = 24  # of a run's own text after its fork, to tell the branches apart


class BranchTree(QTreeWidget):
    """The branches of the tree shown; `sig_node_chosen` when the person picks one."""

    sig_node_chosen = Signal(int)
    """A node was chosen (its key in the tree)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setHeaderLabels([self.tr("Fork"), self.tr("Probability"), self.tr("Text after it")])
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.setToolTip(
            self.tr(
                "The run and its branches. Click one to show its text. Keys: Up and Down go to "
                "the sibling branches, Left to the run it branched from, Right to its first "
                "branch."
            )
        )
        self.setAllColumnsShowFocus(True)
        self._items: list[QTreeWidgetItem] = []
        self._filling = False
        self.currentItemChanged.connect(self._changed)

    def show_tree(self, tree: RunTree, current: int) -> None:
        """List `tree`'s nodes, `current` selected."""
        self._filling = True
        image = tree.kind == "image"
        last = self.tr("Picture") if image else self.tr("Text after it")
        self.setHeaderLabels([self.tr("Fork"), self.tr("Probability"), last])
        try:
            self.clear()
            self._items = [QTreeWidgetItem() for _ in tree.nodes]
            for key, node in enumerate(tree.nodes):
                item = self._items[key]
                item.setData(0, KEY_ROLE, key)
                own = "".join(str(t.get("text", "")) for t in node.run.trace[1:])
                if node.parent is None:
                    item.setText(0, self.tr("Run"))
                    item.setText(1, "")
                    own = node.run.text
                    self.addTopLevelItem(item)
                elif image:
                    self._pixel_row(item, node.chosen or {})
                    self._items[node.parent].addChild(item)
                    own = ""
                else:
                    c = node.chosen or {}
                    token = show_text(str(c.get("text", c.get("value", ""))))
                    item.setText(0, self.tr("#{0} → {1}").format(node.fork + 1, token))
                    item.setText(1, pct(float(c.get("model_prob", c.get("prob", 0.0)))))
                    item.setToolTip(
                        0,
                        self.tr(
                            "Token {0} chosen by hand: {1}; the model gave it {2} (after the "
                            "sampling stages: {3})"
                        ).format(
                            node.fork + 1,
                            token,
                            pct(float(c.get("model_prob", 0.0))),
                            pct(float(c.get("prob", 0.0))),
                        ),
                    )
                    self._items[node.parent].addChild(item)
                words = " ".join(own.split())  # one line, as it reads
                head = words[:HEAD_CHARS] + ("…" if len(words) > HEAD_CHARS else "")
                item.setText(2, head)
            # children in the order of their forks
            for key in range(len(tree.nodes)):
                kids = [self._items[k] for k in tree.children(key)]
                item = self._items[key]
                for kid in kids:
                    item.removeChild(kid)
                item.addChildren(kids)
            self.expandAll()
            self.setCurrentItem(self._items[current])
        finally:
            self._filling = False

    def _pixel_row(self, item: QTreeWidgetItem, c: dict) -> None:
        """An image branch's row: the pixel, the value chosen there, the model's probability."""
        row, col, value = c.get("row", "?"), c.get("col", "?"), c.get("value", "?")
        item.setText(0, self.tr("({0}, {1}) → {2}").format(row, col, value))
        item.setText(1, pct(float(c.get("model_prob", c.get("prob", 0.0)))))
        item.setToolTip(
            0,
            self.tr(
                "Pixel ({0}, {1}) of sample {2} chosen by hand: value {3}; the model gave it "
                "{4} (after the sampling stages: {5}). The pixels after it were drawn again."
            ).format(
                row,
                col,
                int(c.get("sample", 0)) + 1,
                value,
                pct(float(c.get("model_prob", 0.0))),
                pct(float(c.get("prob", 0.0))),
            ),
        )

    def item_of(self, key: int) -> QTreeWidgetItem | None:
        """The row of node `key` of the tree shown."""
        return self._items[key] if 0 <= key < len(self._items) else None

    def current_key(self) -> int | None:
        item = self.currentItem()
        return None if item is None else int(item.data(0, KEY_ROLE))

    def _changed(self, item: QTreeWidgetItem | None, _previous) -> None:
        if item is not None and not self._filling:
            self.sig_node_chosen.emit(int(item.data(0, KEY_ROLE)))

    def keyPressEvent(self, event) -> None:
        item = self.currentItem()
        if item is None:
            super().keyPressEvent(event)
            return
        parent = item.parent()
        key = event.key()
        target = None
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            if parent is not None:
                i = parent.indexOfChild(item) + (1 if key == Qt.Key.Key_Down else -1)
                target = parent.child(i) if 0 <= i < parent.childCount() else None
        elif key == Qt.Key.Key_Left:
            target = parent
        elif key == Qt.Key.Key_Right:
            target = item.child(0) if item.childCount() else None
        else:
            super().keyPressEvent(event)
            return
        if target is not None:
            self.setCurrentItem(target)
        event.accept()
