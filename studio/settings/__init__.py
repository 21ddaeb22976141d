"""Every generation setting defined once, torch-free and Qt-free (imports only studio.core).

- `schema`: one `Setting` per knob of a text or image run (flag, default, bounds, step, help);
- `frozen`: the immutable settings objects the engine runs from, checked against the schema;
- `presets`: Greedy, Balanced, Creative and Reset;
- `stop_strings`: what a typed stop string means, in the window and on the command line alike.
"""

from studio.core.errors import SettingsError
from studio.settings.frozen import GenerationSettings, ImageSettings, SamplingSettings
from studio.settings.presets import PRESETS, Preset
from studio.settings.schema import (
    IMAGE,
    MAX_SAMPLES,
    MAX_SEED,
    SAMPLING,
    SCHEMA,
    TEXT,
    defaults,
)
from studio.settings.setting import Setting
from studio.settings.stop_strings import decode_stop, encode_stop

__all__ = [
    "IMAGE",
    "MAX_SAMPLES",
    "MAX_SEED",
    "PRESETS",
    "SAMPLING",
    "SCHEMA",
    "TEXT",
    "GenerationSettings",
    "ImageSettings",
    "Preset",
    "SamplingSettings",
    "Setting",
    "SettingsError",
    "decode_stop",
    "defaults",
    "encode_stop",
]
