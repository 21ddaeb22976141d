"""The window's image runs: drawing, frames on the canvas, restoring image runs and PNG settings,
and exporting pictures. A part of MainWindow kept in its own file; it uses the window's widgets
(`image`, `sampling`, `picker`, `tabs`) and run state, as the text half does."""

from __future__ import annotations

import time
from pathlib import Path

from studio.core.image_frames import ImageFrame
from studio.io.image_export import ImageFileError
from studio.io.run import RunRecord
from studio.ui.status_bar import STATUS_INTERVAL_S


class ImageRunsMixin:
    """MainWindow's methods for image runs."""

    def _tab_changed(self, index: int) -> None:
        # repetition penalty, length and stop strings mean nothing to pixels
        self.sampling.set_text_controls_enabled(index == 0)

    def generate_image(self, complete: bool = False) -> None:
        """Draw images with the loaded image model (complete: around the drawn or loaded pixels)."""
        if self._running or self._closed:
            return
        self.tabs.setCurrentIndex(1)
        if not self._is_image(self._loaded_info) or self._loading_path:
            if self._loading_path or not self._models_listed:
                self._generate_when_ready = not complete
                self.statusBar().showMessage(self.tr("Generating once the model is loaded…"), 5000)
            else:
                self.image.message_bar.show_message(
                    self.tr("Choose an image model (digits or emoji) in the model picker first."),
                    error=False,
                )
            return
        settings = self._settings_for_run()
        if settings is None:
            return
        request = self.image.request(settings["sampling"], settings["seed"], complete)
        if request is None:
            return
        self._begin_run("image", self.tr("pixels"), self.tr("pixels/s"), self.tr("first pixel –"))
        self.image.start_run(request)
        self.engine.generate_image(request)

    def _on_image_frame(self, frame: ImageFrame) -> None:
        if self._closed or self._run_kind != "image":
            return
        if frame.start is not None:
            self.sampling.set_used_seed(frame.start.seed)
        self.image.apply_frame(frame)
        now = time.perf_counter()
        if frame.pixels is not None and self._first_t is None:
            self._first_t = now
            self._set_status(
                ttft=self.tr("first pixel {0:.0f} ms").format((now - self._run_t0) * 1000)
            )
        self._shown = self.image.steps
        if frame.done:
            d = frame.done[0]
            pixels, _ = self.image.progress_text()
            self._set_status(
                tokens=pixels,
                speed=self.tr("{0:.0f} pixels/s").format(d.tokens_per_s * len(frame.done)),
                ttft=self.tr("first pixel {0:.0f} ms").format(d.ttft_ms),
                stop=self.tr("stop: {0}").format(d.stop_reason),
            )
        elif now - self._status_t >= STATUS_INTERVAL_S:
            # the numbers change every frame; people read them a few times a second
            self._status_t = now
            pixels, speed = self.image.progress_text()
            self._set_status(tokens=pixels, speed=speed)
            self.image.show_progress()
        self.last_batch_shown_at = time.perf_counter()
        self._emit_batch_shown()

    def restore_image_run(self, record: RunRecord) -> None:
        """Show a past image run; its model is loaded first when another one is."""
        s = record.settings
        self.sampling.set_generation_settings(
            {"sampling": s.get("sampling") or {}, "seed": record.seed}
        )
        self.sampling.set_used_seed(record.seed)
        self.tabs.setCurrentIndex(1)
        self._pending_image_record = record
        self._pending_image_settings = s
        m = self.picker.find(name=record.model_name, path=record.model_path)
        if m is not None and not (
            self._loaded_info and self.picker.same_path(self._loaded_info["path"], m["path"])
        ):
            self.choose_model(m["path"])
            return
        if m is None:
            self.image.message_bar.show_message(
                self.tr(
                    "The model of this run ({0}) is not available; open it to draw again."
                ).format(record.model_name),
                error=False,
            )
        self._apply_pending_image()

    def _apply_pending_image(self) -> None:
        settings, self._pending_image_settings = self._pending_image_settings, None
        record, self._pending_image_record = self._pending_image_record, None
        if settings is not None:
            self.image.apply_settings(settings)
        if record is not None:
            try:
                self.image.show_record(record)
            except (ValueError, KeyError, OSError) as e:
                self.image.message_bar.show_message(
                    self.tr("Could not show this run: {0}").format(e)
                )
            self._set_status(
                tokens=self.tr("{0} pixels").format(record.tokens),
                speed=self.tr("{0:.0f} pixels/s").format(record.pixels_per_s),
                ttft=self.tr("first pixel {0:.0f} ms").format(record.ttft_ms),
                stop=self.tr("stop: {0}").format(record.stop_reason),
            )
        self._update_actions()

    def _on_png_read(self, path: str, model_name: str, settings: dict) -> None:
        """Settings from an exported PNG: model, label, batch, sampling values and seed."""
        if self._closed:
            return
        self.sampling.set_generation_settings(
            {"sampling": settings.get("sampling") or {}, "seed": settings.get("seed")}
        )
        self.tabs.setCurrentIndex(1)
        m = self.picker.find(name=model_name)
        if m is None:
            self.image.message_bar.show_message(
                self.tr("{0} was drawn by {1}, which is not available; open that model.").format(
                    Path(path).name, model_name
                ),
                error=False,
            )
            return
        self._pending_image_settings = settings
        self.image.message_bar.show_message(
            self.tr("Restored the settings of {0}: press Generate to draw it again.").format(
                Path(path).name
            ),
            error=False,
        )
        if self._loaded_info and self.picker.same_path(self._loaded_info["path"], m["path"]):
            self._apply_pending_image()
        else:
            self.choose_model(m["path"])

    def _on_png_failed(self, path: str, message: str) -> None:
        if not self._closed:
            self.tabs.setCurrentIndex(1)
            self.image.message_bar.show_message(
                self.tr("Could not open {0}: {1}").format(Path(path).name, message)
            )

    def export_image_dialog(self, record: RunRecord | None = None) -> None:
        self._export_with_dialog(
            record if isinstance(record, RunRecord) else self.image.record,
            self.tr("Nothing to export yet: draw something first."),
            self.tr("Export Image"),
            [
                (self.tr("PNG with settings (*.png)"), ".png"),
                (self.tr("Animated GIF of the drawing (*.gif)"), ".gif"),
            ],
            self.export_image_to,
        )

    def export_image_to(self, path: str, record: RunRecord | None = None) -> bool:
        """Write the picture (.png, a grid for a batch) or the drawing (.gif); asks before
        overwriting; a failure is reported in the message line and leaves no partial file."""
        record = record or self.image.record
        if record is None:
            return False
        suffix = Path(path).suffix.lower()
        if suffix not in (".png", ".gif"):
            self.image.message_bar.show_message(
                self.tr("{0}: export images to .png or .gif").format(Path(path).name)
            )
            return False
        if Path(path).exists() and not self.confirm_overwrite(path):
            return False
        try:
            if suffix == ".png":
                self.image.export_png(path, record)
            else:
                self.image.export_gif(path, record)
        except (ImageFileError, OSError) as e:
            self.image.message_bar.show_message(
                self.tr("Could not export: {0}. Nothing was written.").format(e)
            )
            return False
        self.statusBar().showMessage(self.tr("Exported to {0}").format(path), 5000)
        return True
