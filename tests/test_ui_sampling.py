"""The sampling panel: slider and number stay in sync, invalid entries are refused with a hint."""

import pytest

from studio.settings import PRESETS, SCHEMA, GenerationSettings, decode_stop, encode_stop
from studio.ui.sampling_panel import SamplingPanel


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


@pytest.mark.parametrize("text", ["abc", "-1", "5.5", "nan"])
def test_invalid_value_is_refused_with_a_hint(panel, text):
    t = panel.sliders["temperature"]
    t.edit.setText(text)
    t.edit.editingFinished.emit()
    assert t.value() == SCHEMA["temperature"].default
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
    default = GenerationSettings().context
    assert panel.generation_settings()["context"] == default == "shift"
    panel.set_generation_settings({"context": "slide"})
    d = panel.generation_settings()
    assert d["context"] == "slide"
    assert GenerationSettings.from_dict(d).context == "slide"
    panel.set_generation_settings({"context": "wrap"})  # unknown: skipped, not shown
    assert panel.generation_settings()["context"] == "slide"
    panel.set_text_controls_enabled(False)
    assert not panel.context_combo.isEnabled()
    panel.reset()
    assert panel.generation_settings()["context"] == default


# ---- one schema: the panel's ranges, defaults and presets are the command line's -----------------


def test_sliders_take_range_step_default_and_help_from_the_schema(panel):
    for name, slider in panel.sliders.items():
        entry = SCHEMA[name]
        assert (slider.minimum, slider.maximum, slider.step) == (
            entry.minimum,
            entry.maximum,
            entry.step,
        )
        assert slider.value() == entry.default
        assert slider.slider_end == (entry.slider_max or entry.maximum)
        assert slider.label.toolTip() == entry.describe()
        assert slider.integer == (entry.kind == "int")


def test_defaults_are_the_schemas(panel):
    assert panel.generation_settings() == GenerationSettings().to_dict()
    panel.apply_preset("Creative")
    panel.reset()
    assert panel.generation_settings() == GenerationSettings().to_dict()


@pytest.mark.parametrize("name", ["Greedy", "Balanced", "Creative"])
def test_presets_come_from_the_schema(panel, name):
    panel.apply_preset(name)
    sampling = panel.generation_settings()["sampling"]
    assert sampling == {**sampling, **PRESETS[name].values}
    assert panel.preset_buttons[name].toolTip() == PRESETS[name].help


def test_a_value_beyond_the_slider_can_be_typed_up_to_the_bound(panel):
    k = panel.sliders["top_k"]  # the slider ends at 200; the command line takes up to 1000
    k.edit.setText("500")
    k.edit.editingFinished.emit()
    assert k.value() == 500 and k.slider.value() == k.slider.maximum()
    assert panel.generation_settings()["sampling"]["top_k"] == 500
    k.edit.setText("1001")
    k.edit.editingFinished.emit()
    assert k.value() == 500 and k.hint.isVisible()


def test_top_p_refuses_zero_but_takes_any_value_above_it(panel):
    p = panel.sliders["top_p"]
    p.edit.setText("0")
    p.edit.editingFinished.emit()
    assert p.value() == 1.0 and "above 0" in p.hint.text()
    p.edit.setText("0.005")  # below the slider's first step, accepted as on the command line
    p.edit.editingFinished.emit()
    assert panel.generation_settings()["sampling"]["top_p"] == 0.005


def test_out_of_range_value_is_refused_before_a_run(panel):
    t = panel.sliders["temperature"]
    t.edit.setText("7")  # typed, and the run started with the cursor still in the field
    assert panel.generation_settings() is None
    assert panel.problem_label.isVisible() and "temperature" in panel.problem().lower()
    # the field shows the value kept, and its hint what was refused
    assert t.value() == SCHEMA["temperature"].default and t.hint.isVisible()
    assert "7" in t.hint.text() and "from 0 to 5" in t.hint.text()
    t.edit.setText("1.3")  # a good value typed but not confirmed is taken
    s = panel.run_settings()
    assert isinstance(s, GenerationSettings) and s.sampling.temperature == 1.3
    assert not panel.problem_label.isVisible()


def test_a_setting_the_schema_refuses_is_refused_with_its_message(panel, monkeypatch):
    # a value no control can produce today (the context mode) still meets the schema's check
    panel.context_combo.addItem("wrap", "wrap")
    panel.context_combo.setCurrentIndex(panel.context_combo.count() - 1)
    assert panel.generation_settings() is None
    assert "--context must be one of shift, slide" in panel.problem()


def test_newline_escape_in_a_stop_string_is_a_newline(panel):
    # typed: \n on one line, END\tX on the next, then a\\nb (an escaped backslash before n)
    panel.stop_edit.setPlainText(r"\n" + "\n" + r"END\tX" + "\n" + r"a\\nb")
    assert panel.generation_settings()["stop"] == ["\n", "END\tX", "a\\nb"]
