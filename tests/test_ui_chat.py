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


def test_the_models_facts_and_defaults_then_none_for_a_model_without_them(window, qtbot):
    window, models = window
    # the list's tooltip and the card say what the folder says
    tip = window.picker.combo.toolTip()
    for fact in (
        "model class: Qwen2ForCausalLM",
        "parameters: ",
        "context length: 128",
        "precision: float32 weights, computed in float32",
        "license: apache-2.0",
        "source: Hugging Face folder",
    ):
        assert fact in tip, tip
    from studio.ui.model_card_dialog import card_html

    html = card_html(window.picker.current_info())
    assert "context length" in html and "apache-2.0" in html
    # generation_config.json's sampling values, offered as the model's defaults
    panel = window.sampling
    assert panel.model_button.isVisible()
    assert "generation_config.json" in panel.model_button.toolTip()
    panel.apply_preset("Greedy")
    qtbot.mouseClick(panel.model_button, Qt.MouseButton.LeftButton)
    values = {k: panel.sliders[k].value() for k in ("temperature", "top_k", "top_p")}
    assert values == {"temperature": 0.7, "top_k": 20, "top_p": 0.8}
    assert panel.sliders["repetition_penalty"].value() == pytest.approx(1.05)

    with qtbot.waitSignal(window.sig_model_ready, timeout=TIMEOUT):
        window.choose_model(str(models / "tiny.safetensors"))
    assert not window.text.chat.isVisible() and not window.text.chat.is_on()
    assert not panel.model_button.isVisible()


def test_model_sampling_reads_generation_config_as_transformers_does():
    from studio.settings.model_defaults import model_sampling

    assert model_sampling({}) is None
    greedy = model_sampling({"temperature": 0.6})  # no do_sample: transformers decodes greedily
    assert greedy["temperature"] == 0.0 and greedy["top_k"] == 0
    sampled = model_sampling({"do_sample": True, "top_p": 0.9, "top_k": 5000})
    assert sampled == {
        "temperature": 1.0,
        "top_k": 50,  # 5000 is past the studio's bound: transformers' default stays
        "top_p": 0.9,
        "min_p": 0.0,
        "repetition_penalty": 1.0,
    }
