"""The text tab's Chat switch, for a model with a chat template (tokenizer_config.json's, or a
GGUF's): the prompt becomes the user's message, written out by the model's template (rendered by
the engine, as `generate --chat` does), and the answer ends at the model's end of turn. Continue
adds the answer and the next user message to the conversation, then generates the next answer."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget


def has_chat_template(info: dict | None) -> bool:
    """Whether a model description's card holds a chat template."""
    chat = ((info or {}).get("card") or {}).get("chat")
    return isinstance(chat, dict) and bool(chat.get("template"))


class ChatBar(QWidget):
    """The switch, the system prompt and the next message; the conversation so far."""

    sig_prompt = Signal(str)
    """The conversation as the model reads it (its template's text): generate from it."""
    sig_failed = Signal(str)
    """One line: the template refused the conversation."""

    def __init__(self, engine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.messages: list[dict] = []  # [{"role", "content"}], the conversation on screen
        self._asked = False  # a rendering was asked for and has not come back
        self.switch = QCheckBox(self.tr("Chat"))
        self.switch.setToolTip(
            self.tr(
                "The prompt is your message to the model, written out by the model's chat "
                "template; its answer ends at its end of turn. Continue sends your next message."
            )
        )
        self.system_edit = QLineEdit()
        self.system_edit.setPlaceholderText(self.tr("System prompt (optional)"))
        self.system_edit.setToolTip(
            self.tr("A system message before the conversation (the model's instructions).")
        )
        self.next_edit = QLineEdit()
        self.next_edit.setPlaceholderText(
            self.tr("Your next message, then Continue (Ctrl+Shift+Return)")
        )
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.switch)
        row.addWidget(self.system_edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.next_edit)
        self.switch.toggled.connect(self._show_fields)
        engine.sig_chat_prompt.connect(self._on_prompt)
        engine.sig_chat_failed.connect(self._on_failed)
        self._show_fields(False)
        self.setVisible(False)

    def set_model(self, info: dict | None) -> None:
        """Shown for a text model with a chat template; otherwise hidden and off."""
        available = has_chat_template(info)
        self.setVisible(available)
        if not available:
            self.switch.setChecked(False)
        self.messages = []

    def is_on(self) -> bool:
        return self.switch.isChecked() and not self.isHidden()

    def _show_fields(self, on: bool) -> None:
        self.system_edit.setVisible(on)
        self.next_edit.setVisible(on)

    def begin(self, user_text: str) -> None:
        """A new conversation: the system prompt (if any) and `user_text`, the first message."""
        system = self.system_edit.text().strip()
        head = [{"role": "system", "content": system}] if system else []
        self.messages = [*head, {"role": "user", "content": user_text}]

    def add_turn(self, answer: str) -> bool:
        """The model's `answer` and the next message from its field, added to the conversation;
        False (nothing added) when that field is empty or no conversation was started."""
        text = self.next_edit.text().strip()
        if not text or not self.messages:
            return False
        self.messages += [
            {"role": "assistant", "content": answer},
            {"role": "user", "content": text},
        ]
        self.next_edit.clear()
        return True

    def render(self) -> None:
        """Ask the engine for the conversation as the model reads it (sig_prompt answers)."""
        if self._asked:
            return
        self._asked = True
        self.engine.render_chat(self.messages)

    def _on_prompt(self, text: str) -> None:
        if self._asked:
            self._asked = False
            self.sig_prompt.emit(text)

    def _on_failed(self, message: str) -> None:
        if self._asked:
            self._asked = False
            self.sig_failed.emit(message)
