"""The text workspace: Generate, Continue and Stop, the probability-colour switch and legend, the
prompt editor above the output view, a message line for errors and warnings; and the text runs
shown there: starting them on the engine, their events as they arrive, the status bar's live
numbers, the hint when a run slides past the model's window, and a token's sampling stages."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.core.events import DoneEvent, StartEvent, TokenEvent, WarningEvent
from studio.io.run import RunFormatError, RunRecord, trace_events
from studio.io.run_tree import RunTree
from studio.ui.chat_bar import ChatBar
from studio.ui.flow_layout import flow_row, group
from studio.ui.legend import ProbLegend
from studio.ui.message_bar import MessageBar
from studio.ui.model_picker import ModelPicker
from studio.ui.output_view import OutputView
from studio.ui.run_state import RunState, settings_for_run
from studio.ui.sampling_panel import SamplingPanel
from studio.ui.stages_view import StagesDialog
from studio.ui.status_bar import stop_text
from studio.ui.steering import Steering
from studio.ui.text_branches import TextBranches
from studio.ui.translate_mode import TranslateMode


class TextWorkspace(QWidget):
    """The Text tab and its runs. The window decides when a run may start (a text model loaded,
    no run in progress) and calls `generate`; the rest happens here, between the engine's
    signals and the widgets."""

    sig_generate = Signal()
    """Generate pressed."""
    sig_continue = Signal()
    """Continue pressed."""
    sig_stop = Signal()
    """Stop pressed."""
    sig_stages_shown = Signal(int)
    """A token's sampling stages are on screen (its step)."""
    sig_inspection_shown = Signal(int)
    """A token's attention and logit lens are on screen (its step)."""

    def __init__(
        self, engine, runs: RunState, sampling: SamplingPanel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.runs = runs
        self.sampling = sampling
        self.info: dict | None = None  # the text model loaded, if one is
        self.last_run: RunRecord | None = None  # the last text run ended or opened
        # what made the text on screen, for its sampling stages: model path and title, prompt,
        # settings
        self.shown_run: dict | None = None
        self.stages_dialog: StagesDialog | None = None
        self._stages_step = 0  # the token the stages dialog shows
        self._inspected: int | None = None  # the token whose insides were asked for last
        self._slide_at: int | None = None  # new tokens before the running run slides
        self._slide_hint_shown = False  # said once per window
        self.branches = TextBranches(self)  # the tree of the text shown, and its branches
        self._chat_continues = False  # the next chat Generate goes on with the conversation
        self._build()
        # step mode and A/B compare (steering.py): the Step and Compare buttons
        self.steering = Steering(self)
        # Translate mode, while a translation model is loaded (translate_mode.py)
        self.translate = TranslateMode(self)
        self.layout().insertWidget(2, self.translate)
        self.set_colors(False)
        self.generate_button.clicked.connect(self.sig_generate)
        self.continue_button.clicked.connect(self.sig_continue)
        self.stop_button.clicked.connect(self.sig_stop)
        self.colors_check.toggled.connect(self.set_colors)
        self.output.sig_token_clicked.connect(self.inspect_token)
        self.output.sig_branch_wanted.connect(self.branches.branch)
        self.chat.sig_prompt.connect(self._run)
        self.chat.sig_failed.connect(self.message_bar.show_message)
        engine.sig_events.connect(self._on_events)
        engine.sig_run_ended.connect(self._on_run_ended)
        engine.sig_stages.connect(self._on_stages)
        engine.sig_stages_failed.connect(self._on_stages_failed)
        engine.sig_inspected.connect(self._on_inspected)
        engine.sig_inspect_failed.connect(self._on_inspect_failed)

    def _build(self) -> None:
        self.message_bar = MessageBar()
        self.generate_button = QPushButton(self.tr("Generate"))
        self.generate_button.setToolTip(
            self.tr("Generate a continuation of the prompt (Ctrl+Return).")
        )
        self.generate_button.setDefault(True)
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setToolTip(
            self.tr(
                "Make the prompt and the text so far the new prompt, and generate on from there "
                "(Ctrl+Shift+Return)."
            )
        )
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the run and keep the text so far (Esc)."))
        self.colors_check = QCheckBox(self.tr("Probability colours"))
        self.colors_check.setToolTip(
            self.tr(
                "Colour each generated token by the probability it was drawn with; "
                "hover a token for its alternatives."
            )
        )
        self.legend = ProbLegend()
        # the buttons, the switch and its legend wrap onto a second row in a narrow window
        self.step_button = QPushButton(self.tr("Step"))
        self.step_button.setToolTip(
            self.tr("Make one token and pause with its sampling stages: you are the sampler (F10).")
        )
        self.compare_button = QPushButton(self.tr("Compare A/B…"))
        self.compare_button.setToolTip(
            self.tr("Run the prompt with two sets of settings and one seed, side by side.")
        )
        QShortcut(
            QKeySequence(Qt.Key.Key_F10),
            self,
            lambda: (
                self.step_button.isEnabled()
                and not self.step_button.isHidden()
                and self.step_button.click()
            ),
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        bar = flow_row(
            group(
                self.generate_button,
                self.step_button,
                self.continue_button,
                self.stop_button,
                self.compare_button,
            ),
            self.colors_check,
            self.legend,
        )

        self.chat = ChatBar(self.engine)
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setPlaceholderText(self.tr("Write a prompt, then press Ctrl+Return…"))
        self.prompt_edit.setTabChangesFocus(True)
        self.output = OutputView()
        self.output.setPlaceholderText(self.tr("Generated text appears here, token by token."))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("textSplitter")
        self.splitter.addWidget(self.prompt_edit)
        # the tree of branches beside the text, once it has one
        self.output_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.output_splitter.addWidget(self.output)
        self.output_splitter.addWidget(self.branches.panel)
        self.output_splitter.setStretchFactor(0, 3)
        self.output_splitter.setStretchFactor(1, 2)
        self.splitter.addWidget(self.output_splitter)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message_bar)
        layout.addLayout(bar)
        layout.addWidget(self.chat)
        layout.addWidget(self.splitter, 1)

    def set_model(self, info: dict | None) -> None:
        """The text model loaded (its description), or None (none is, or an image model)."""
        self.info = info
        self.chat.set_model(info)
        self.translate.set_model(info)
        self.sampling.set_model_defaults(((info or {}).get("card") or {}).get("sampling_defaults"))

    def set_colors(self, on: bool) -> None:
        self.output.set_colors(on)
        self.legend.setVisible(on)
        if self.colors_check.isChecked() != on:
            self.colors_check.setChecked(on)

    def update_buttons(self, running: bool) -> None:
        self.generate_button.setEnabled(not running)
        # Continue needs generated text to go on from
        self.continue_button.setEnabled(self.can_continue(running))
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled(not running)
        self.compare_button.setEnabled(not running)
        self.translate.update_buttons(running)

    def can_continue(self, running: bool) -> bool:
        return not running and self.output.token_count() > 0

    # ---- runs ---------------------------------------------------------------------------------

    def generate(self) -> None:
        """Run the loaded text model on the prompt with the sampling panel's values (a seed field
        that holds no seed is said in the status bar instead). In chat, the prompt is the first
        user message (or the conversation goes on, after Continue), rendered by the engine first."""
        if self.info is None or self.runs.running:
            return
        if self.chat.is_on():
            if not self._chat_continues:
                self.chat.begin(self.prompt_edit.toPlainText())
            self._chat_continues = False
            self.chat.render()
            return
        self._run(self.prompt_edit.toPlainText())

    def _run(self, prompt: str) -> None:
        settings = settings_for_run(self.sampling, self.runs.status)
        if settings is None or self.info is None or self.runs.running:
            return
        settings = self.translate.run_settings(settings)
        self.steering.stepper.finish()
        self.message_bar.hide()
        self.runs.begin("text", self.tr("tokens"), self.tr("tok/s"), self.tr("first token –"))
        # where the run will outgrow the model's window and slide, a hint says why it slows
        # down and what is faster (the position past which it slides); once per window, since a
        # person who keeps Slide after reading it has chosen it
        block = (self.info.get("card") or {}).get("architecture", {}).get("block_size")
        self._slide_at = (
            block
            if settings.get("context") == "slide"
            and isinstance(block, int)
            and not self._slide_hint_shown
            else None
        )
        self.branches.set_tree(None)
        self.start_output(
            prompt, settings, self.info["path"], self.info.get("title") or self.info["name"]
        )
        self.engine.generate(prompt, settings)

    def start_output(self, prompt: str, settings: dict, model_path: str, model_title: str) -> None:
        """Clear the output for a run of `prompt`, and remember what makes it (for its stages)."""
        self.output.start(prompt)
        self.shown_run = {
            "model_path": model_path,
            "model_title": model_title,
            "prompt": prompt,
            "settings": settings,
        }

    def take_continuation(self) -> bool:
        """Make the prompt and the generated text the new prompt, to generate on from the end of
        the text shown (the engine keeps its newest tokens if that outgrows the window); False,
        said in the message line, when nothing was generated yet. In chat, the answer and the
        next message join the conversation instead."""
        if not self.output.token_count() or self.translate.on:
            self.message_bar.show_message(
                self.tr("Nothing to continue yet: generate first.")
                if not self.translate.on
                else self.tr("A translation is not continued: translate another source."),
                error=False,
            )
            return False
        if self.chat.is_on():
            if not self.chat.add_turn(self.output.generated_text()):
                self.message_bar.show_message(
                    self.tr("Write your next message below the Chat switch, then Continue."),
                    error=False,
                )
                self.chat.next_edit.setFocus()
                return False
            self._chat_continues = True
            return True
        self.prompt_edit.setPlainText(self.output.prompt() + self.output.generated_text())
        return True

    def _on_events(self, batch: list) -> None:
        runs = self.runs
        if not runs.is_running("text"):
            return
        tokens = []
        done = None
        for ev in batch:
            kind = type(ev)
            if kind is TokenEvent:
                if ev.sample == 0:
                    tokens.append(ev)
            elif kind is StartEvent:
                self.sampling.set_used_seed(ev.seed)
                if self._slide_at is not None:
                    self._slide_at -= ev.prompt_tokens  # new tokens until the window is full
            elif kind is WarningEvent:
                self.message_bar.show_message(ev.message, error=False)
            elif kind is DoneEvent and ev.sample == 0:
                done = ev
        now = time.perf_counter()
        status = runs.status
        if tokens:
            first_ms = runs.first_ms(now)
            if first_ms is not None:
                status.set_fields(ttft=self.tr("first token {0:.0f} ms").format(first_ms))
            self.output.append_tokens(tokens)
            runs.shown += len(tokens)
            if self._slide_at is not None and runs.shown > self._slide_at:
                self._show_slide_hint()
            if done is None and runs.status_due(now):
                elapsed = now - runs.first_t
                speed = (
                    self.tr("{0:.1f} tok/s").format((runs.shown - 1) / elapsed)
                    if elapsed > 0
                    else self.tr("– tok/s")
                )
                status.set_fields(tokens=self.tr("{0} tokens").format(runs.shown), speed=speed)
        if done is not None:
            status.set_fields(
                tokens=self.tr("{0} tokens").format(done.tokens),
                speed=self.tr("{0:.1f} tok/s").format(done.tokens_per_s),
                ttft=self.tr("first token {0:.0f} ms").format(done.ttft_ms),
                stop=stop_text(done.stop_reason),
            )
        runs.batch_shown()

    def _show_slide_hint(self) -> None:
        self._slide_at = None
        self._slide_hint_shown = True
        self.message_bar.show_message(
            self.tr(
                "The text is now longer than the model's context window: every new token "
                "re-reads the whole window (Past the window: Slide, as nanoGPT). Choose "
                "Shift there for full speed."
            ),
            error=False,
        )

    def _on_run_ended(self, record: RunRecord | None) -> None:
        if not self.runs.is_running("text"):
            return
        shown = self.branches.run_ended(record)
        if shown is not None:
            self.last_run = shown
        self.runs.end(record)

    def engine_died(self) -> None:
        """The engine ended mid-run: the text so far stays, the run ends as stopped."""
        if self.runs.is_running("text"):
            self.runs.end(None, self.tr("stopped: the engine ended"))

    def show_record(self, record: RunRecord) -> None:
        """Show a past text run: its prompt, text (coloured, from its trace), settings and numbers."""
        self.show_tree(RunTree(record))

    def show_tree(self, tree: RunTree, key: int = 0) -> None:
        """Show a tree of text runs, node `key`'s path in the output and every branch beside it."""
        self.branches.set_tree(tree, key)
        self.display_record(tree.path_record(key))

    def display_record(self, record: RunRecord) -> None:
        """Show a run (a branch: its whole path) as the text on screen."""
        self.prompt_edit.setPlainText(record.prompt)
        self.sampling.set_generation_settings(record.settings)
        self.sampling.set_used_seed(record.seed)
        try:
            tokens = trace_events(record.trace)
        except RunFormatError:
            tokens = []
        if "".join(t.text for t in tokens) == record.text:
            self.output.show_run(record.prompt, tokens)
        else:  # no usable trace: the text without colours
            self.output.start(record.prompt)
            self.output.insertPlainText(record.text)
        self.runs.status.set_fields(
            tokens=self.tr("{0} tokens").format(record.tokens),
            speed=self.tr("{0:.1f} tok/s").format(record.tokens_per_s),
            ttft=self.tr("first token {0:.0f} ms").format(record.ttft_ms),
            stop=stop_text(record.stop_reason),
        )
        self.last_run = record
        self.shown_run = {
            "model_path": record.model_path,
            "model_title": record.model_title or record.model_name,
            "prompt": record.prompt,
            "settings": record.settings,
        }

    # ---- a token's sampling stages ------------------------------------------------------------

    def inspect_token(self, i: int) -> None:
        """Show the sampling stages of generated token i of the text on screen (computed by the
        engine with the model that made it; after the run in progress, if one is)."""
        run = self.shown_run
        tokens = self.output.tokens()
        if run is None or not 0 <= i < len(tokens):
            return
        if self.info is None or not ModelPicker.same_path(self.info["path"], run["model_path"]):
            self.message_bar.show_message(
                self.tr(
                    "This text was made by {0}: open that model to see its sampling stages."
                ).format(run["model_title"]),
                error=False,
            )
            return
        if self.stages_dialog is None:
            self.stages_dialog = StagesDialog(self.window())
            self.stages_dialog.sig_step.connect(lambda d: self.inspect_token(self._stages_step + d))
            self.stages_dialog.sig_inspect_wanted.connect(self._look_inside)
            self.stages_dialog.sig_branch_wanted.connect(self.branches.branch)
        self._stages_step = i
        self.stages_dialog.set_position(i, len(tokens))
        self.stages_dialog.show_loading(i, tokens[i].text, after_run=self.runs.running)
        self.stages_dialog.show()
        self.stages_dialog.raise_()
        self.stages_dialog.activateWindow()  # so that Esc and the arrow keys reach it
        ids = [t.id for t in tokens[: i + 1]]
        self.engine.inspect_stages(run["model_path"], run["prompt"], ids, run["settings"])
        self._inspected = None
        if self.stages_dialog.wants_inspection():
            self._look_inside()

    def _look_inside(self) -> None:
        """Ask for the attention and logit lens of the token the dialog shows, once per token
        (both come from one forward pass, so either tab asks for both)."""
        run, tokens, i = self.shown_run, self.output.tokens(), self._stages_step
        if run is None or self._inspected == i or not 0 <= i < len(tokens):
            return
        self._inspected = i
        if self.stages_dialog is not None:
            self.stages_dialog.show_inspecting(after_run=self.runs.running)
        ids = [t.id for t in tokens[: i + 1]]
        self.engine.inspect(run["model_path"], run["prompt"], ids, run["settings"])

    def _on_stages(self, step: int, chosen: int, stages: list) -> None:
        if self.runs.closed or self.stages_dialog is None:
            return
        self.stages_dialog.show_stages(step, chosen, stages)
        self.sig_stages_shown.emit(step)

    def _on_stages_failed(self, step: int, message: str) -> None:
        if not self.runs.closed and self.stages_dialog is not None:
            self.stages_dialog.show_failure(message)

    def _on_inspected(self, step: int, inspection) -> None:
        if self.runs.closed or self.stages_dialog is None or step != self._stages_step:
            return  # a token stepped past since it was asked for
        self.stages_dialog.show_inspection(inspection)
        self.sig_inspection_shown.emit(step)

    def _on_inspect_failed(self, step: int, message: str) -> None:
        if not self.runs.closed and self.stages_dialog is not None and step == self._stages_step:
            self._inspected = None  # asked again when the tab is chosen again
            self.stages_dialog.show_inspect_failure(message)
