"""The tree of the image run on screen (io/run_tree.py) and its pixel branches.

Right-click a drawn pixel: *Branch here with* lists the pixel's likeliest other values (from the
distribution it was drawn from, when the window still has it) and takes a typed one. The branch
keeps every pixel before that one in raster order, puts the chosen value there and draws the rest
again, with the run's settings and its seed moved on to that pixel (engine/image/branching.py). A
branch of sample i of a batch is drawn from that sample alone, as a run of one picture. It joins
the tree, which the panel beside the canvas shows; choosing a row there shows its picture.

The runs on the branch's path are stored in the history first (a run opened from a file is not
yet), so that the branch joins their tree there.
"""

from __future__ import annotations

import base64

import numpy as np
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu, QVBoxLayout, QWidget

from studio.core.image_frames import ImageRequest
from studio.io.display_format import pct
from studio.io.image_export import decode_png
from studio.io.run import RunRecord
from studio.io.run_tree import RunTree, store_path
from studio.ui.branch_tree import BranchTree
from studio.ui.image_pixels import argb_words
from studio.ui.model_picker import ModelPicker

MENU_VALUES = 8  # likeliest values listed in the menu
ICON = 40  # screen pixels of a picture's icon in the tree


def picture_words(picture: np.ndarray) -> np.ndarray:
    """(H, W) grey or (H, W, 3) RGB uint8 as the canvas's ARGB words (H, W)."""
    rgb = picture if picture.ndim == 3 else np.repeat(picture[..., None], 3, axis=-1)
    return argb_words(rgb)


def picture_icon(text: str) -> QIcon:
    """An icon of a run's picture (base64 PNG), scaled up pixel by pixel."""
    pixmap = QPixmap()
    pixmap.loadFromData(base64.b64decode(text), "PNG")
    return QIcon(pixmap.scaled(ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio))


class ImageBranches(QObject):
    """Branching for ImageWorkspace `ws` (owned by its runner); `panel` is the tree panel beside
    the canvas, hidden while the run on screen has no branch."""

    sig_branch_started = Signal()
    """A branch run was asked of the engine."""

    def __init__(self, ws, engine, runs) -> None:
        super().__init__(ws)
        self.ws, self.engine, self.runs = ws, engine, runs
        self.history = None  # the window's HistoryStore, where the branched runs go first
        self.tree: RunTree | None = None
        self.key = 0  # the node on screen
        self.pending: tuple[int, int] | None = None  # (parent key, fork) of the branch running
        # node key -> (B, N, V) float16: the distributions of the nodes drawn in this window,
        # which the records do not keep, so that switching between pictures keeps their menus
        self.dists: dict[int, np.ndarray] = {}
        self.view = BranchTree()
        self.view.setObjectName("imageBranchTree")
        self.view.setIconSize(self.view.iconSize().expandedTo(QPixmap(ICON, ICON).size()))
        self.view.sig_node_chosen.connect(self.show_node)
        self.panel = QWidget()
        self.panel.setObjectName("imageBranchPanel")
        title = QLabel(self.tr("Branches"))
        title.setToolTip(
            self.tr(
                "The run and its pixel branches. Click one to show its picture. Keys: Up and "
                "Down go to the sibling branches, Left to the run it branched from, Right to its "
                "first branch."
            )
        )
        layout = QVBoxLayout(self.panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        self.panel.hide()
        ws.splitter.addWidget(self.panel)
        canvas = ws.canvas
        canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        canvas.customContextMenuRequested.connect(self._menu_at)
        canvas.sig_hovered.connect(self._hovered)  # after the workspace's own hover
        # drawing replaces the pictures on screen, and so leaves their tree
        ws.drawing.draw_check.toggled.connect(lambda on: self.set_tree(None) if on else None)

    # ---- the tree on screen -------------------------------------------------------------------

    def set_tree(self, tree: RunTree | None, key: int = 0) -> None:
        """The tree of the pictures on screen (None: a run in progress that is no branch)."""
        self.tree, self.key = tree, key
        self.pending = None
        self.dists = {}
        self._refresh()

    def show_tree(self, tree: RunTree, key: int = 0) -> None:
        """Show a tree of image runs: node `key`'s pictures, and every branch beside them."""
        self.set_tree(tree, key)
        self._show(key)

    def _refresh(self) -> None:
        tree = self.tree
        many = tree is not None and len(tree) > 1
        self.panel.setVisible(many)
        if not many or tree is None:
            return
        self.view.show_tree(tree, self.key)
        for key, node in enumerate(tree.nodes):
            item = self.view.item_of(key)
            images = node.run.media.get("images") or []
            if item is None or not images:
                continue
            item.setIcon(2, picture_icon(images[0]))
            if node.parent is None:  # the picture says it; the numbers go in the tooltip
                B = len(images)
                item.setText(2, "")
                item.setToolTip(
                    2,
                    self.tr("{0} pictures, seed {1}").format(B, node.run.seed)
                    if B > 1
                    else self.tr("seed {0}").format(node.run.seed),
                )

    def record(self) -> RunRecord | None:
        """The node on screen as one record (a branch: with its path's pixel maps)."""
        return None if self.tree is None else self.tree.path_record(self.key)

    def show_node(self, key: int) -> None:
        """Show node `key`'s pictures on the canvas (not while a run draws there)."""
        if self.tree is None or self.runs.running or not 0 <= key < len(self.tree):
            return
        self.key = key
        self._show(key)
        if self.view.current_key() != key:
            self._refresh()

    def _show(self, key: int) -> None:
        assert self.tree is not None
        node = self.tree.nodes[key]
        batch = self.ws.batch()
        self.ws.show_record(self.tree.path_record(key))
        if key in self.dists:
            self.ws.pixels.dists = self.dists[key]
        if node.parent is not None:  # a branch's one picture leaves the batch setting alone
            self.ws.set_batch(batch)
        self._mark()

    def _mark(self) -> None:
        """Outline the pixel chosen by hand in the branch on screen."""
        c = self._chosen()
        self.ws.canvas.set_cursor(None if c is None else (int(c["row"]), int(c["col"])))

    def _chosen(self) -> dict | None:
        if self.tree is None or self.tree.nodes[self.key].parent is None:
            return None
        return self.tree.nodes[self.key].chosen

    def _hovered(self, sample: int, row: int, col: int) -> None:
        c = self._chosen()
        if c is not None and (row, col) == (c.get("row"), c.get("col")) and sample == 0:
            view = self.ws.dist_view
            view.heading.setText(
                view.heading.text() + " " + self.tr("Chosen by hand (a branch), not drawn.")
            )

    def tree_for(self, record: RunRecord | None) -> tuple[RunTree, int] | None:
        """The tree on screen and its node shown, if `record` is what is on screen."""
        if self.tree is None or record is None or record is not self.ws.record:
            return None
        return self.tree, self.key

    # ---- the menu -----------------------------------------------------------------------------

    def _menu_at(self, pos: QPoint) -> None:
        if self.ws.canvas.drawing:  # the right button erases there
            return
        sample, row, col = self.ws.canvas.pixel_at(pos)
        menu = self.menu(sample, row, col) if sample >= 0 else None
        if menu is not None:
            menu.exec(self.ws.canvas.mapToGlobal(pos))
            menu.deleteLater()

    def can_branch(self, sample: int, row: int, col: int) -> bool:
        """Whether the pixel is one the model drew in the run on screen (and that run ended)."""
        ws = self.ws
        px = ws.pixels
        if self.tree is None or self.runs.running or not 0 <= sample < px.batch:
            return False
        if ws.kept is not None and ws.kept[row, col]:
            return False
        return bool(px.known[sample, row, col])

    def menu(self, sample: int, row: int, col: int, parent: QWidget | None = None) -> QMenu | None:
        """ "Branch here with": the pixel's likeliest other values, with their probabilities in
        the distribution it was drawn from, and a value typed by hand; None for a pixel that
        cannot be branched."""
        if not self.can_branch(sample, row, col):
            return None
        ws = self.ws
        menu = QMenu(self.tr("Branch here with"), parent or ws.canvas)
        menu.setToolTipsVisible(True)
        head = menu.addAction(self.tr("Branch here with"))
        head.setEnabled(False)
        drawn = int(ws.pixels.values[sample, row, col])
        dist = ws.pixels.distribution(sample, row, col)
        listed = 0
        if dist is not None and dist.sum() > 0:
            for v in np.argsort(-dist, kind="stable"):
                if listed == MENU_VALUES or dist[v] <= 0:
                    break
                if int(v) == drawn:
                    continue
                action = menu.addAction(f"{self.value_name(int(v))}\t{pct(float(dist[v]))}")
                action.setIcon(self._swatch(int(v)))
                action.setToolTip(
                    self.tr(
                        "Every pixel before ({0}, {1}) as it is, this value there, and the rest "
                        "drawn again."
                    ).format(row, col)
                )
                action.triggered.connect(
                    lambda _=False, value=int(v): self.branch(sample, row, col, value)
                )
                listed += 1
        if not listed:
            note = menu.addAction(
                self.tr("(the distribution of this pixel is not kept: type a value)")
            )
            note.setEnabled(False)
        menu.addSeparator()
        typed = menu.addAction(self.tr("Type a value…"))
        typed.triggered.connect(lambda: self._type_value(sample, row, col))
        if ws.pixels.batch > 1:
            menu.addSeparator()
            only = menu.addAction(
                self.tr("Only sample {0} is branched, as a picture of its own.").format(sample + 1)
            )
            only.setEnabled(False)
        return menu

    def value_name(self, v: int) -> str:
        """How a value reads in the menu: a grey level, or a palette colour."""
        if self.ws.palette is None:
            return self.tr("grey {0}").format(v)
        r, g, b = (int(x) for x in self.ws.palette[v])
        return self.tr("colour {0} (#{1:02x}{2:02x}{3:02x})").format(v, r, g, b)

    def _swatch(self, v: int) -> QIcon:
        pixmap = QPixmap(12, 12)
        r, g, b = (int(x) for x in self.ws.colours[v])
        pixmap.fill(QColor(r, g, b))
        return QIcon(pixmap)

    def value_count(self) -> int:
        return len(self.ws.colours)

    def _type_value(self, sample: int, row: int, col: int) -> None:
        top = self.value_count() - 1
        what = (
            self.tr("The grey level for pixel ({0}, {1}), 0 (black) to 255 (white):")
            if self.ws.palette is None
            else self.tr("The palette index for pixel ({0}, {1}), 0 to {2}:")
        )
        value, ok = QInputDialog.getInt(
            self.ws,
            self.tr("Branch here"),
            what.format(row, col, top),
            int(self.ws.pixels.values[sample, row, col]),
            0,
            top,
        )
        if ok:
            self.branch(sample, row, col, value)

    # ---- branching ----------------------------------------------------------------------------

    def branch(self, sample: int, row: int, col: int, value: int) -> bool:
        """Branch the pictures on screen at pixel (row, col) of `sample` with `value`; False, said
        in the message line, when it cannot."""
        ws, tree = self.ws, self.tree
        if tree is None or tree.kind != "image" or not self.can_branch(sample, row, col):
            return False
        if not 0 <= value < self.value_count():
            ws.message_bar.show_message(
                self.tr("{0} is not a value of this model (0 to {1}).").format(
                    value, self.value_count() - 1
                )
            )
            return False
        node = tree.nodes[self.key].run
        if ws.info is None or not ModelPicker.same_path(ws.info["path"], node.model_path):
            ws.message_bar.show_message(
                self.tr("These pictures were drawn by {0}: open that model to branch them.").format(
                    node.model_title or node.model_name
                ),
                error=False,
            )
            return False
        fork = row * ws.W + col
        parent, at = tree.image_fork(self.key, sample, fork)  # an earlier fork: an earlier run
        owner = tree.nodes[parent].run
        shown = tree.path_record(self.key)
        picture = decode_png(shown.media["images"][sample])
        kept = decode_png(shown.media["kept"]) > 0 if shown.media.get("kept") else None
        parent_id = self._stored(parent)
        settings = {
            **owner.settings,
            "seed": owner.seed + at,  # sample i of a batch is drawn with seed + i
            "num_samples": 1,
            "distribution": True,
        }
        request = ImageRequest(
            settings=settings,
            init=picture,
            mask=kept,
            pace_s=ws.pace_slider.value() / 1000.0,
            label_name=str(owner.media.get("label") or "any"),
            branch={"row": row, "col": col, "value": value, "sample": at},
        )
        before = self._prefix_state(sample, fork)
        ws.message_bar.hide()
        self.runs.begin("image", self.tr("pixels"), self.tr("pixels/s"), self.tr("first pixel –"))
        self.pending = (parent, fork)
        ws.drawing.ensure()  # start_run shows the kept pixels from the sketch, then ours
        ws.start_run(request)
        self._show_prefix(picture, kept, fork, before)
        self.engine.generate_image(request, {"parent": parent_id, "fork": fork})
        self.sig_branch_started.emit()
        return True

    def _prefix_state(self, sample: int, fork: int) -> dict:
        """The on-screen maps of `sample`'s pixels before the fork, to show them in the branch."""
        px = self.ws.pixels
        flat = {
            name: getattr(px, name)[sample].reshape(-1)[:fork].copy()
            for name in ("values", "known", "probs", "model_probs", "entropy")
        }
        d = px.dists
        flat["dists"] = d[sample, :fork].copy() if d is not None and d.shape[-1] else None
        return flat

    def _show_prefix(self, picture, kept, fork: int, before: dict) -> None:
        """The branch's pixels before the fork (and the kept ones), with their maps, at once."""
        ws = self.ws
        given = (np.arange(ws.H * ws.W) < fork).reshape(ws.H, ws.W)
        if kept is not None:
            given |= kept
        ws.canvas.argb[0][given] = picture_words(picture)[given]
        ws.canvas.update()
        px = ws.pixels
        for name in ("values", "known", "probs", "model_probs", "entropy"):
            getattr(px, name)[0].reshape(-1)[:fork] = before[name]
        if px.dists is not None and before["dists"] is not None:
            px.dists[0, :fork] = before["dists"]
        ws.total = ws.H * ws.W - int(given.sum())
        ws.progress.setRange(0, max(1, ws.total))

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

    def run_ended(self, record: RunRecord | None) -> None:
        """An image run ended: a branch joins the tree, another run starts a tree of its own."""
        pending, self.pending = self.pending, None
        if pending is not None and self.tree is not None:
            if record is None or not record.media.get("chosen"):
                return  # failed: the message line says why; the branch's drawing stays
            record.branch = {}
            self.key = self.tree.add(record, pending[0], pending[1])
            self.ws.record = record
            self._keep_dists()
            self._refresh()
            self._mark()
            return
        self.set_tree(RunTree(record) if record is not None else None)
        self._keep_dists()

    def _keep_dists(self) -> None:
        """Keep the distributions of the run that just ended on screen, for its node."""
        if self.tree is not None and self.ws.pixels.dists is not None:
            self.dists[self.key] = self.ws.pixels.dists
