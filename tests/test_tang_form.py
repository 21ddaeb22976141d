import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "eval_tang_form", Path(__file__).resolve().parents[1] / "scripts/eval_tang_form.py"
)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)


def test_regular_forms_are_recognised():
    assert mod.poem_form("床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n") == "5x4"
    eight = "\n".join(["一二三四五六七，一二三四五六七。"] * 4)
    assert mod.poem_form(eight) == "7x8"


def test_irregular_forms_are_refused():
    assert mod.poem_form("床前明月光，疑是地上霜。\n") is None  # too short
    assert (
        mod.poem_form("床前明月光，疑是地上霜霜。\n举头望明月，低头思故乡。") is None
    )  # mixed length
    assert (
        mod.poem_form("床前明月光。疑是地上霜，\n举头望明月，低头思故乡。") is None
    )  # punctuation
    assert mod.poem_form("床前明月光，疑是地上霜。举头望明月，低头思故乡。") is None  # layout
