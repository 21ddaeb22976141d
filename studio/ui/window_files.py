"""The window's file dialogs and writes: opening a run, an image or a model; exporting a text
run (.txt, .md, .json) or an image run (.png, .gif), asking before overwriting."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.io.export import export_run, export_tree
from studio.io.run import RunRecord
from studio.io.run_tree import RunTree


class WindowFiles:
    """The file dialogs of MainWindow `w`; what is opened goes to `w.open_path` (runs, images)
    or its model slot (models)."""

    def __init__(self, w) -> None:
        self.w = w
        self._tree: RunTree | None = None  # the tree of the run being exported, if it has one
        self.download = None  # the Download Model dialog, once opened

    @staticmethod
    def tr(text: str) -> str:
        return QCoreApplication.translate("WindowFiles", text)

    # ---- opening ------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w,
            self.tr("Open a run or a model"),
            "",
            self.tr(
                "Runs, images and models (*.json *.png *.safetensors *.gguf *.pt);;"
                "Exported images (*.png);;All files (*)"
            ),
        )
        if path:
            self.w.open_path(path)

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w,
            self.tr("Open a model"),
            "",
            self.tr("Models (*.safetensors *.gguf *.pt);;All files (*)"),
        )
        if path:
            self.w.choose_model(path)

    def open_model_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self.w, self.tr("Open a model folder"))
        if path:
            self.w.choose_model(path)

    def download_dialog(self) -> None:
        """File > Download Model…: one dialog per window, kept while it downloads; a finished
        model is listed and chosen."""
        from studio.ui.download_dialog import DownloadDialog

        dialog = self.download
        if dialog is None:
            dialog = self.download = DownloadDialog(self.w)
            dialog.sig_downloaded.connect(self._downloaded)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _downloaded(self, path: str) -> None:
        # listed again, then loaded (studio.ui.model_slot)
        self.w.models.choose_when_listed = path
        self.w.engine.list_models()

    # ---- export -------------------------------------------------------------------------------

    def export_dialog(self, record: RunRecord | None = None, tree: RunTree | None = None) -> None:
        """Export a run (default: the run on screen, text or image by the tab shown) in a
        format chosen in a save dialog; a text run with branches (`tree`, or the tree on
        screen) as the tree (.json) or its path (.txt, .md)."""
        self._tree = tree
        if not isinstance(record, RunRecord):  # from the menu (its `checked` argument)
            image = self.w.tabs.currentIndex() == 1
            record = self.w.image.record if image else self.w.text.last_run
        else:
            image = record.kind == "image"
        self._export(record, image)

    def export_image_dialog(self, record: RunRecord | None = None) -> None:
        self._tree = None
        self._export(record if isinstance(record, RunRecord) else self.w.image.record, True)

    def _export(self, record: RunRecord | None, image: bool) -> None:
        if image:
            nothing = self.tr("Nothing to export yet: draw something first.")
            title = self.tr("Export Image")
            formats = [
                (self.tr("PNG with settings (*.png)"), ".png"),
                (self.tr("Animated GIF of the drawing (*.gif)"), ".gif"),
                (self.tr("JSON run, with its branches (*.json)"), ".json"),
            ]
        else:
            nothing = self.tr("Nothing to export yet: generate something first.")
            title = self.tr("Export")
            formats = [
                (self.tr("Text (*.txt)"), ".txt"),
                (self.tr("Markdown with settings (*.md)"), ".md"),
                (self.tr("JSON with settings and trace (*.json)"), ".json"),
            ]
        if record is None:
            self.w.statusBar().showMessage(nothing, 5000)
            return
        path = self.ask_export_path(title, record, formats)
        if path:
            if image:
                self.export_image_to(path, record, self._tree)
            else:
                self.export_to(path, record, self._tree)

    def ask_export_path(
        self, title: str, record: RunRecord, formats: list[tuple[str, str]]
    ) -> str | None:
        """A save dialog over (filter, suffix) formats; the chosen filter's suffix is added when
        the name has none of them. None when cancelled."""
        filters = [f for f, _ in formats]
        suffixes = [x for _, x in formats]
        path, chosen = QFileDialog.getSaveFileName(
            self.w,
            title,
            f"{record.model_name}-seed{record.seed}{suffixes[0]}",
            ";;".join(filters),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not path:
            return None
        if Path(path).suffix.lower() not in suffixes:
            path += suffixes[filters.index(chosen)] if chosen in filters else suffixes[0]
        return path

    def export_to(
        self, path: str, record: RunRecord | None = None, tree: RunTree | None = None
    ) -> bool:
        """Write a text run (default: the last one; with branches, its tree or path: io.export's
        export_tree); asks before overwriting; reports a failure and leaves no partial file."""
        record = record or self.w.text.last_run
        if record is None:
            return False
        if Path(path).exists() and not self.confirm_overwrite(path):
            return False
        found = (tree, 0) if tree is not None else self.w.text.branches.tree_for(record)
        try:
            if found is not None:
                export_tree(path, *found)
            else:
                export_run(path, record)
        except OSError as e:
            self.show_problem(
                self.tr("Could not write {0}: {1}. Nothing was written.").format(
                    path, e.strerror or e
                )
            )
            return False
        except ValueError as e:
            self.show_problem(str(e))
            return False
        self.w.statusBar().showMessage(self.tr("Exported to {0}").format(path), 5000)
        return True

    def export_image_to(
        self, path: str, record: RunRecord | None = None, tree: RunTree | None = None
    ) -> bool:
        """Write the picture (.png), the drawing (.gif) or the run (.json, with its `tree` of
        branches or the one on screen) of an image run (default: the one on screen)."""
        found = (tree, 0) if tree is not None else None
        return self.w.image.runner.export_to(path, record, self.confirm_overwrite, found)

    def confirm_overwrite(self, path: str) -> bool:
        answer = QMessageBox.question(
            self.w,
            self.tr("Overwrite?"),
            self.tr("{0} already exists. Replace it?").format(Path(path).name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_problem(self, message: str) -> None:
        self.w.message_bar.show_message(message)
        QMessageBox.warning(self.w, self.tr("AIGC Studio"), message)
