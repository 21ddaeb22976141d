"""The settings schema: one default, one range and one meaning for every generation setting, in the
window, on the command line and in the engine; stored settings of earlier versions still load."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli.main import build_parser
from studio.cli.setting_flags import GENERATE_SETTINGS, read_setting_flags
from studio.settings import (
    IMAGE,
    MAX_SEED,
    PRESETS,
    SAMPLING,
    SCHEMA,
    TEXT,
    GenerationSettings,
    ImageSettings,
    SamplingSettings,
    SettingsError,
    decode_stop,
    encode_stop,
)

ROOT = Path(__file__).resolve().parents[1]


def test_every_generation_field_has_one_schema_entry():
    assert [s.name for s in SAMPLING] == list(SamplingSettings.__dataclass_fields__)
    assert [s.name for s in TEXT] == list(GenerationSettings.__dataclass_fields__)[1:]
    assert [s.name for s in IMAGE] == list(ImageSettings.__dataclass_fields__)[1:]
    for s in SCHEMA.values():
        assert s.flag == "--" + s.name.replace("_", "-")
        assert s.help.endswith(".") and "\n" not in s.help and s.label


@pytest.mark.parametrize("setting", list(SCHEMA.values()), ids=list(SCHEMA))
def test_every_default_lies_in_its_bounds(setting):
    assert setting.check(setting.default) == setting.default
    if setting.kind in ("float", "int"):
        lo, hi = setting.minimum, setting.maximum
        assert lo <= setting.default <= hi and setting.step > 0
        assert lo <= setting.slider_start <= setting.slider_end <= hi
        # the window's slider reaches its end in whole steps
        n = (setting.slider_end - setting.slider_start) / setting.step
        assert abs(n - round(n)) < 1e-9


def test_presets_are_within_the_schema_and_reset_is_every_default():
    for preset in PRESETS.values():
        for k, v in preset.values.items():
            assert SCHEMA[k].check(v) == v
    reset = PRESETS["Reset"].values
    assert GenerationSettings.from_values(reset) == GenerationSettings()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top_p": 1.5}, "--top-p must be in (0, 1], got 1.5"),
        ({"temperature": 5.5}, "--temperature must be in [0, 5], got 5.5"),
        ({"top_k": 2.5}, "--top-k must be a whole number, got 2.5"),
        ({"min_p": math.inf}, "--min-p must be a finite number, got inf"),
        ({"max_new_tokens": 1_000_001}, "--max-new-tokens must be in [0, 1000000], got 1000001"),
        ({"seed": MAX_SEED + 1}, f"--seed must be in [0, {MAX_SEED}], got {MAX_SEED + 1}"),
        ({"context": "wrap"}, "--context must be one of shift, slide, got 'wrap'"),
        ({"ignore_eos": 1}, "--ignore-eos must be true or false, got 1"),
    ],
)
def test_errors_name_the_command_line_flag(kwargs, message):
    with pytest.raises(SettingsError) as e:
        GenerationSettings.from_values(kwargs)
    assert str(e.value) == message
    assert e.value.setting == next(iter(kwargs))


def test_values_are_stored_as_their_kind():
    s = SamplingSettings(temperature=1, top_k=40.0)
    assert isinstance(s.temperature, float) and s.top_k == 40 and isinstance(s.top_k, int)
    assert GenerationSettings(stop=["a", "b"]).stop == ("a", "b")


def test_settings_check_without_torch_or_qt():
    code = (
        "import sys, studio.settings\n"
        "studio.settings.GenerationSettings.from_values({'top_p': 0.5})\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'numpy')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---- the command line and the window agree ------------------------------------------------------


def _generate_args(*flags: str):
    args = build_parser().parse_args(["generate", "--model", "any", *flags])
    read_setting_flags(args, GENERATE_SETTINGS)
    return args


def test_command_line_defaults_are_the_schemas_and_the_panels(qtbot):
    from studio.ui.sampling_panel import SamplingPanel

    args = _generate_args()
    for s in GENERATE_SETTINGS:
        assert getattr(args, s.name) == s.default, s.flag
    panel = SamplingPanel()
    qtbot.addWidget(panel)
    cli = GenerationSettings.from_values(vars(args))
    assert cli == GenerationSettings()
    assert panel.run_settings() == cli
    assert panel.generation_settings() == cli.to_dict()
    image = ImageSettings.from_values({**vars(args), "label": None})
    assert image == ImageSettings()
    assert image.sampling == GenerationSettings().sampling  # images draw as text by default


def test_command_line_flags_become_settings():
    args = _generate_args(
        *("--temperature", "0", "--top-k", "40", "--top-p", "0.95", "--seed", "7"),
        *("--stop", "END", "--stop", "\\n\\n", "--context", "slide", "--ignore-eos"),
    )
    s = GenerationSettings.from_values(vars(args))
    assert s.sampling == SamplingSettings(temperature=0.0, top_k=40, top_p=0.95)
    assert (s.seed, s.stop, s.context, s.ignore_eos) == (7, ("END", "\n\n"), "slide", True)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("\\n", "\n"), ("a\\tb", "a\tb"), ("\\\\n", "\\n"), ("\\q", "\\q"), ("END", "END")],
)
def test_a_stop_string_means_the_same_in_the_window_and_on_the_command_line(qtbot, typed, meant):
    from studio.ui.sampling_panel import SamplingPanel

    assert decode_stop(typed) == meant
    assert _generate_args("--stop", typed).stop == (meant,)
    panel = SamplingPanel()
    qtbot.addWidget(panel)
    panel.stop_edit.setPlainText(typed)
    assert panel.generation_settings()["stop"] == [meant]
    panel.set_generation_settings({"stop": [meant]})
    assert panel.stop_edit.toPlainText() == encode_stop(meant)


# ---- dicts stored by earlier versions -------------------------------------------------------------

# GenerationSettings.to_dict() as history rows and .json exports hold it
STORED_TEXT = {
    "sampling": {
        "temperature": 0.7,
        "top_k": 40,
        "top_p": 0.95,
        "min_p": 0.0,
        "repetition_penalty": 1.1,
    },
    "max_new_tokens": 120,
    "seed": 1234,
    "stop": ["\n\n"],
    "ignore_eos": False,
    "num_samples": 1,
    "top_n": 5,
    "context": "shift",
}
# ImageSettings.to_dict() as a PNG's text chunk holds it (the window sends four sampling keys)
STORED_IMAGE = {
    "sampling": {"temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_p": 0.0},
    "seed": 42,
    "num_samples": 4,
    "label": 7,
    "distribution": True,
    "sampler": "fast",
    "guidance": 2.0,
}


def test_stored_text_settings_load_and_round_trip():
    s = GenerationSettings.from_dict(STORED_TEXT)
    assert s.to_dict() == STORED_TEXT
    assert s.sampling.top_k == 40 and s.stop == ("\n\n",) and s.seed == 1234


def test_older_text_settings_load_with_the_mode_they_ran_with():
    # before the context mode (and top_n) were stored; unknown keys from elsewhere are ignored
    old = {k: v for k, v in STORED_TEXT.items() if k not in ("context", "top_n")}
    old["sampling"] = {**old["sampling"], "top_k": 40.0, "typical_p": 1.0}
    old["theme"] = "dark"
    s = GenerationSettings.from_dict(old)
    assert s.context == "slide"  # runs were slid before there was a choice
    assert s.top_n == SCHEMA["top_n"].default and s.sampling.top_k == 40
    assert GenerationSettings.from_dict({"sampling": {}}).sampling == SamplingSettings()


def test_stored_image_settings_load_and_round_trip():
    s = ImageSettings.from_dict(STORED_IMAGE)
    assert (s.label, s.num_samples, s.guidance, s.seed) == (7, 4, 2.0, 42)
    assert s.to_dict() == {
        **STORED_IMAGE,
        "sampling": {**STORED_IMAGE["sampling"], "repetition_penalty": 1.0},
    }
    older = {k: v for k, v in STORED_IMAGE.items() if k not in ("guidance", "sampler")}
    assert ImageSettings.from_dict(older).guidance == 1.0


def test_a_stored_bad_value_is_refused_naming_the_flag():
    with pytest.raises(SettingsError, match=r"^--top-p must be in \(0, 1\], got 2"):
        GenerationSettings.from_dict({**STORED_TEXT, "sampling": {"top_p": 2}})
    with pytest.raises(SettingsError, match="sampling settings must be a mapping"):
        ImageSettings.from_dict({"sampling": [1]})


def test_a_bad_flag_is_refused_before_torch_is_imported():
    code = (
        "import sys\n"
        "from studio.cli.main import main\n"
        "assert main(['generate', '--model', 'no-such-model', '--top-p', '1.5']) == 2\n"
        "assert 'torch' not in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "aigc-studio: error: --top-p must be in (0, 1], got 1.5\n"
