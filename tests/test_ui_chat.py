"""The Chat switch in the window, with a tiny Qwen2 folder that has ChatML's template: shown only
for a model with a template; the prompt goes to the engine as the template writes out the
conversation (system and user message); Continue adds the answer and the next user message."""

import pytest
from helpers import save_tiny, tiny_char_model
from llama_helpers import make_folder
from PySide6.QtCore import Qt
from test_chat import CHATML, _with_template
from test_ui_window import TIMEOUT, open_window, run

from studio.engine.text.chat import render_chat


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    models = tmp_path / "models"
    models.mkdir()
    save_tiny(models / "tiny.safetensors", tiny_char_model())
    monkeypatch.setenv("AIGC_STUDIO_MODELS", str(models))
    folder = _with_template(make_folder(models / "tiny-chat", "qwen2"), CHATML, "<|im_end|>")
    return open_window(qtbot, folder), models


def test_chat_switch_renders_the_conversation_and_continue_adds_a_turn(window, qtbot):
    window, _ = window
    chat = window.text.chat
    assert chat.isVisible() and not chat.switch.isChecked()
    assert not chat.system_edit.isVisible()
    chat.switch.setChecked(True)
    assert chat.system_edit.isVisible() and chat.next_edit.isVisible()
    chat.system_edit.setText("Be brief.")
    template = window.models.info["card"]["chat"]
    first = run(qtbot, window, "Hello, fox!", seed=3, max_new_tokens=6)
    conversation = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello, fox!"},
    ]
    # the prompt the engine generated from: the template's text of the conversation
    assert first.prompt == render_chat(template, conversation)
    assert first.prompt.endswith("<|im_start|>assistant\n")
    assert window.output.prompt() == first.prompt
    assert window.prompt_edit.toPlainText() == "Hello, fox!"  # the message stays as written

    # Continue without a next message says where to write it, and generates nothing
    window.continue_text()
    assert "Chat switch" in window.text.message_bar.text()
    assert window.output.generated_text() == first.text

    chat.next_edit.setText("And the moon?")
    with qtbot.waitSignal(window.sig_run_shown, timeout=TIMEOUT) as ended:
        qtbot.keyClick(
            window.prompt_edit,
            Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    second = ended.args[0]
    conversation += [
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "And the moon?"},
    ]
    assert second.prompt == render_chat(template, conversation)
    assert chat.messages == conversation and chat.next_edit.text() == ""

    # switched off: the prompt is continued as written
    chat.switch.setChecked(False)
    plain = run(qtbot, window, "The fox", seed=3, max_new_tokens=4)
    assert plain.prompt == "The fox"


def test_no_chat_switch_for_a_model_without_a_template(window, qtbot):
    window, models = window
    with qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT):
        window.choose_model(str(models / "tiny.safetensors"))
    assert not window.text.chat.isVisible() and not window.text.chat.is_on()
