"""The image workspace's runs: starting them on the engine, their frames on the canvas and the
status bar's live numbers, their end; showing a past run or a PNG's settings once the right model
has loaded; writing the picture or the drawing to a file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from studio.core.image_frames import ImageFrame
from studio.io.export import export_run, export_tree
from studio.io.image_export import ImageFileError
from studio.io.run import RunRecord
from studio.io.run_tree import RunTree
from studio.ui.image_branches import ImageBranches
from studio.ui.image_files import export_gif, export_png
from studio.ui.run_state import RunState, settings_for_run
from studio.ui.status_bar import stop_text


class ImageRunner(QObject):
    """Owned by the image workspace: what passes between it, the engine and the status bar."""

    def __init__(self, workspace, engine, runs: RunState, sampling) -> None:
        super().__init__(workspace)
        self.ws = workspace
        self.engine = engine
        self.runs = runs
        self.sampling = sampling
        self.pending_record: RunRecord | None = None  # shown once its model has loaded
        self.pending_settings: dict | None = None  # from a PNG or a record, applied then
        self.pending_tree: RunTree | None = None  # the pending record's tree of branches
        self.branches = ImageBranches(workspace, engine, runs)  # pixel branches, their tree
        engine.sig_image_frame.connect(self._on_frame)
        engine.sig_run_ended.connect(self._on_run_ended)

    def generate(self, complete: bool = False) -> None:
        """Draw images with the loaded image model (complete: around the drawn or loaded pixels)."""
        if self.runs.running:
            return
        settings = settings_for_run(self.sampling, self.runs.status)
        if settings is None:
            return
        request = self.ws.request(settings["sampling"], settings["seed"], complete)
        if request is None:
            return
        self.runs.begin("image", self.tr("pixels"), self.tr("pixels/s"), self.tr("first pixel –"))
        self.branches.set_tree(None)
        self.ws.start_run(request)
        self.engine.generate_image(request)

    def _on_frame(self, frame: ImageFrame) -> None:
        runs = self.runs
        if not runs.is_running("image"):
            return
        if frame.start is not None:
            self.sampling.set_used_seed(frame.start.seed)
        self.ws.apply_frame(frame)
        now = time.perf_counter()
        status = runs.status
        if frame.pixels is not None:
            first_ms = runs.first_ms(now)
            if first_ms is not None:
                status.set_fields(ttft=self.tr("first pixel {0:.0f} ms").format(first_ms))
        runs.shown = self.ws.pixels.steps
        if frame.done:
            d = frame.done[0]
            pixels, _ = self.ws.progress_text()
            status.set_fields(
                tokens=pixels,
                speed=self.tr("{0:.0f} pixels/s").format(d.tokens_per_s * len(frame.done)),
                ttft=self.tr("first pixel {0:.0f} ms").format(d.ttft_ms),
                stop=stop_text(d.stop_reason, "image"),
            )
        elif runs.status_due(now):
            pixels, speed = self.ws.progress_text()
            status.set_fields(tokens=pixels, speed=speed)
            self.ws.show_progress()
        runs.batch_shown()

    def _on_run_ended(self, record: RunRecord | None) -> None:
        if self.runs.is_running("image"):
            self.ws.run_ended(record)
            self.branches.run_ended(record)
            self.runs.end(record)

    def engine_died(self) -> None:
        """The engine ended mid-run: the pixels so far stay, the run ends as stopped."""
        if self.runs.is_running("image"):
            self.ws.run_stopped()
            self.runs.end(None, self.tr("stopped: the engine ended"))

    # ---- past runs and PNG settings -----------------------------------------------------------

    def expect(self, record: RunRecord, tree: RunTree | None = None) -> None:
        """Show a past image run (with its `tree` of branches) once its model is loaded
        (`apply_pending`); its sampling settings and seed go to the panel now."""
        s = record.settings
        self.sampling.set_generation_settings(
            {"sampling": s.get("sampling") or {}, "seed": record.seed}
        )
        self.sampling.set_used_seed(record.seed)
        self.pending_record = record
        self.pending_tree = tree if tree is not None and tree.root is record else None
        self.pending_settings = s

    def expect_png(self, path: str, model_name: str, settings: dict, available: bool) -> None:
        """Settings from an exported PNG (model, label, batch, sampling values and seed): the
        panel's now, the workspace's once its model is loaded, if it is `available`."""
        self.sampling.set_generation_settings(
            {"sampling": settings.get("sampling") or {}, "seed": settings.get("seed")}
        )
        name = Path(path).name
        if not available:
            self.ws.message_bar.show_message(
                self.tr("{0} was drawn by {1}, which is not available; open that model.").format(
                    name, model_name
                ),
                error=False,
            )
            return
        self.pending_settings = settings
        self.ws.message_bar.show_message(
            self.tr("Restored the settings of {0}: press Generate to draw it again.").format(name),
            error=False,
        )

    def apply_pending(self) -> None:
        """The model is loaded: show the run and apply the settings that waited for it."""
        settings, self.pending_settings = self.pending_settings, None
        record, self.pending_record = self.pending_record, None
        if settings is not None:
            self._apply_settings(settings)
        if record is None:
            return
        tree, self.pending_tree = self.pending_tree or RunTree(record), None
        try:
            self.branches.show_tree(tree)
        except (ValueError, KeyError, OSError) as e:
            self.ws.message_bar.show_message(self.tr("Could not show this run: {0}").format(e))
        self.runs.status.set_fields(
            tokens=self.tr("{0} pixels").format(record.tokens),
            speed=self.tr("{0:.0f} pixels/s").format(record.pixels_per_s),
            ttft=self.tr("first pixel {0:.0f} ms").format(record.ttft_ms),
            stop=stop_text(record.stop_reason, "image"),
        )

    def _apply_settings(self, settings: dict) -> None:
        """Label, guidance and batch from ImageSettings.to_dict() (the sampling panel takes the
        rest)."""
        ws = self.ws
        ws.set_label(settings.get("label"))
        g = settings.get("guidance", 1.0)
        if isinstance(g, int | float) and not isinstance(g, bool):
            ws.guidance_spin.setValue(float(g))
        if isinstance(settings.get("num_samples"), int):
            ws.set_batch(settings["num_samples"])

    # ---- export -------------------------------------------------------------------------------

    def export_to(
        self,
        path: str,
        record: RunRecord | None,
        confirm_overwrite: Callable[[str], bool],
        tree: tuple[RunTree, int] | None = None,
    ) -> bool:
        """Write the picture (.png, a grid for a batch), the drawing (.gif) or the run (.json;
        with branches, their tree); asks before overwriting; a failure is reported in the
        message line and leaves no partial file."""
        record = record or self.ws.record
        if record is None:
            return False
        suffix = Path(path).suffix.lower()
        if suffix not in (".png", ".gif", ".json"):
            self.ws.message_bar.show_message(
                self.tr("{0}: export images to .png, .gif or .json").format(Path(path).name)
            )
            return False
        if Path(path).exists() and not confirm_overwrite(path):
            return False
        try:
            if suffix == ".json":
                found = tree or self.branches.tree_for(record)
                if found is not None:
                    export_tree(path, *found)
                else:
                    export_run(path, record)
            elif suffix == ".png":
                export_png(path, record)
            else:
                export_gif(path, record, self.ws.palette)
        except (ImageFileError, OSError) as e:
            self.ws.message_bar.show_message(
                self.tr("Could not export: {0}. Nothing was written.").format(e)
            )
            return False
        self.runs.status.showMessage(self.tr("Exported to {0}").format(path), 5000)
        return True
