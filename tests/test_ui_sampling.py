"""The sampling panel: slider and number stay in sync, invalid entries are refused with a hint."""

import pytest

from studio.ui.sampling_panel import DEFAULTS, SamplingPanel, decode_stop, encode_stop


@pytest.fixture
def panel(qtbot):
    p = SamplingPanel()
    qtbot.addWidget(p)
    p.show()
    return p


def test_slider_and_number_stay_in_sync(panel):
    t = panel.sliders["temperature"]
    t.slider.setValue(150)
    assert t.edit.text() == "1.5" and t.value() == 1.5
    t.edit.setText("0.25")
    t.edit.editingFinished.emit()
    assert t.slider.value() == 25 and t.value() == 0.25
    k = panel.sliders["top_k"]
    k.edit.setText("40")
    k.edit.editingFinished.emit()
    assert k.slider.value() == 40 and k.value() == 40
    assert panel.generation_settings()["sampling"]["top_k"] == 40


@pytest.mark.parametrize("text", ["abc", "-1", "2.5", "nan"])
def test_invalid_value_is_refused_with_a_hint(panel, text):
    t = panel.sliders["temperature"]
    t.edit.setText(text)
    t.edit.editingFinished.emit()
    assert t.value() == DEFAULTS["temperature"]
    assert t.edit.text() == "0.8"
    assert t.hint.isVisible() and "temperature" in t.hint.text().lower()
    t.edit.setText("1.2")
    t.edit.editingFinished.emit()
    assert t.value() == 1.2 and not t.hint.isVisible()


def test_top_k_refuses_fractions(panel):
    k = panel.sliders["top_k"]
    k.edit.setText("2.5")
    k.edit.editingFinished.emit()
    assert k.value() == 0 and "whole number" in k.hint.text()


def test_bad_seed_blocks_the_run_with_a_hint(panel):
    panel.random_seed.setChecked(False)
    panel.seed_edit.setText("twelve")
    assert panel.generation_settings() is None
    assert panel.seed_hint.isVisible()
    panel.seed_edit.setText("12")
    assert panel.generation_settings()["seed"] == 12


def test_presets_reset_and_round_trip(panel):
    panel.apply_preset("Greedy")
    assert panel.generation_settings()["sampling"]["temperature"] == 0.0
    panel.apply_preset("Balanced")
    s = panel.generation_settings()
    assert s["sampling"]["top_k"] == 40 and s["sampling"]["top_p"] == 0.95
    panel.stop_edit.setPlainText("\\n\\n\nEND")
    panel.random_seed.setChecked(False)
    panel.seed_edit.setText("5")
    s = panel.generation_settings()
    assert s["stop"] == ["\n\n", "END"] and s["seed"] == 5
    other = SamplingPanel()
    other.set_generation_settings(s)
    assert other.generation_settings() == s
    panel.reset()
    s = panel.generation_settings()
    assert s["seed"] is None and s["stop"] == [] and s["sampling"]["temperature"] == 0.8
    assert s["max_new_tokens"] == 200


def test_pin_and_copy_the_seed_used(panel, qapp):
    panel.set_used_seed(123456)
    assert "123456" in panel.used_seed_label.text()
    panel.copy_seed.click()
    assert qapp.clipboard().text() == "123456"
    panel.pin_seed.click()
    assert panel.generation_settings()["seed"] == 123456


def test_stop_string_escapes_round_trip():
    for s in ["\n\n", "a\\b", "tab\there", "END"]:
        assert decode_stop(encode_stop(s)) == s


def test_context_mode_round_trips_and_builds_engine_settings(panel):
    from studio.settings import GenerationSettings

    default = GenerationSettings().context
    assert panel.generation_settings()["context"] == default == "slide"
    panel.set_generation_settings({"context": "shift"})
    d = panel.generation_settings()
    assert d["context"] == "shift"
    assert GenerationSettings.from_dict(d).context == "shift"
    panel.set_generation_settings({"context": "wrap"})  # unknown: skipped, not shown
    assert panel.generation_settings()["context"] == "shift"
    panel.set_text_controls_enabled(False)
    assert not panel.context_combo.isEnabled()
    panel.reset()
    assert panel.generation_settings()["context"] == default
