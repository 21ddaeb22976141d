"""File > Download Model…: a model from the Hugging Face Hub into the user model folder, with a
progress bar (bytes, bytes/s, time left) and Cancel. The download runs in a worker thread
(studio.io.downloads, torch-free), so the window stays responsive; a cancelled one resumes when
the same repository is downloaded again."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

_STILL_RUNNING: set = set()  # workers cancelled by a closed dialog that have not ended yet


class DownloadWorker(QThread):
    """One download, off the GUI thread; its outcome as signals (queued to the GUI thread)."""

    sig_progress = Signal(object)
    """A studio.io.downloads.DownloadProgress."""
    sig_done = Signal(str)
    """The downloaded model's path."""
    sig_failed = Signal(str)
    """One line saying why."""
    sig_cancelled = Signal()

    def __init__(self, repo: str, filename: str | None, revision: str | None, parent=None) -> None:
        super().__init__(parent)
        self.repo, self.filename, self.revision = repo, filename, revision
        self.cancel = threading.Event()

    def run(self) -> None:
        from studio.core.errors import StudioError
        from studio.io.downloads import DownloadCancelled, download_model

        try:
            path = download_model(
                self.repo,
                self.filename,
                self.revision,
                on_progress=self.sig_progress.emit,
                cancel=self.cancel,
            )
        except DownloadCancelled:
            self.sig_cancelled.emit()
        except StudioError as e:
            self.sig_failed.emit(str(e))
        except Exception as e:  # noqa: BLE001 - said in the dialog, never a crash of the window
            self.sig_failed.emit(f"{type(e).__name__}: {e}")
        else:
            self.sig_done.emit(str(path))


class DownloadDialog(QDialog):
    """Asks for a repository (and optionally one GGUF file and a revision) and downloads it."""

    sig_downloaded = Signal(str)
    """A model finished downloading (its path in the user model folder)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Download Model"))
        self.setMinimumWidth(520)
        self.worker: DownloadWorker | None = None
        self.repo_edit = QLineEdit()
        self.repo_edit.setPlaceholderText(self.tr("owner/name, e.g. Qwen/Qwen3-0.6B"))
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText(self.tr("optional: one NAME.gguf file of it"))
        self.revision_edit = QLineEdit()
        self.revision_edit.setPlaceholderText(
            self.tr("main (the default branch), a tag or a commit")
        )
        form = QFormLayout()
        form.addRow(self.tr("Repository:"), self.repo_edit)
        form.addRow(self.tr("GGUF file:"), self.file_edit)
        form.addRow(self.tr("Revision:"), self.revision_edit)
        intro = QLabel(
            self.tr(
                "From the Hugging Face Hub into your model folder: the config, tokenizer, chat "
                "template, safetensors weights, README and license (or one GGUF file). A cancelled "
                "download goes on where it stopped when you download it again."
            )
        )
        intro.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        self.state = QLabel()
        self.state.setObjectName("downloadState")
        self.state.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.close_button = QPushButton(self.tr("Close"))
        self.buttons.addButton(self.download_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.state)
        layout.addWidget(self.buttons)
        self.download_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        for w in (self.repo_edit, self.file_edit, self.revision_edit, self.download_button):
            w.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def start(self) -> None:
        repo = self.repo_edit.text().strip()
        if not repo:
            self.state.setText(self.tr("Write the repository to download, as owner/name."))
            self.repo_edit.setFocus()
            return
        if self.worker is not None:
            return
        self.bar.setValue(0)
        self.state.setText(self.tr("Asking the Hub for {0}…").format(repo))
        self.worker = DownloadWorker(
            repo,
            self.file_edit.text().strip() or None,
            self.revision_edit.text().strip() or None,
            self,
        )
        self.worker.sig_progress.connect(self._on_progress)
        self.worker.sig_done.connect(self._on_done)
        self.worker.sig_failed.connect(self._on_failed)
        self.worker.sig_cancelled.connect(self._on_cancelled)
        self.worker.finished.connect(self._on_finished)
        self._set_running(True)
        self.worker.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel.set()
            self.state.setText(self.tr("Cancelling…"))

    def progress_text(self, p) -> str:
        """ "12.3 MB of 1.21 GB · 4.5 MB/s · 4:29 left · model.safetensors" for a DownloadProgress."""
        from studio.io.downloads import human_bytes, human_time

        speed = self.tr("{0}/s").format(human_bytes(p.bytes_per_s)) if p.bytes_per_s > 0 else "–"
        return self.tr("{0} of {1} · {2} · {3} left · {4}").format(
            human_bytes(p.done_bytes),
            human_bytes(p.total_bytes),
            speed,
            human_time(p.seconds_left),
            p.file,
        )

    def _on_progress(self, p) -> None:
        self.bar.setValue(int(p.fraction * 1000))
        self.state.setText(self.progress_text(p))

    def _on_done(self, path: str) -> None:
        self.bar.setValue(1000)
        self.state.setText(self.tr("Downloaded to {0}; it is now in the model list.").format(path))
        self.sig_downloaded.emit(path)

    def _on_failed(self, message: str) -> None:
        self.state.setText(self.tr("Could not download: {0}").format(message))

    def _on_cancelled(self) -> None:
        self.state.setText(
            self.tr("Cancelled. Download the same repository again to go on where it stopped.")
        )

    def _on_finished(self) -> None:
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = None
        self._set_running(False)

    def _stop_worker(self) -> None:
        """Closing the dialog cancels a download in progress (its bytes stay for a resume)."""
        worker = self.worker
        if worker is None:
            return
        worker.cancel.set()
        if not worker.wait(5000):
            # a stalled connection ends at the client's timeout: the thread must outlive the
            # dialog (Qt aborts on a running QThread destroyed with its parent)
            worker.setParent(None)
            _STILL_RUNNING.add(worker)
            worker.finished.connect(lambda: _STILL_RUNNING.discard(worker))

    def reject(self) -> None:  # Esc
        self._stop_worker()
        super().reject()

    def closeEvent(self, event) -> None:
        self._stop_worker()
        super().closeEvent(event)
