"""The window speaks English and 简体中文 completely: every text of studio/ui has a finished Chinese
translation (checked by running pyside6-lupdate over the sources), the committed .ts/.qm are what the
tools make, the window built under zh_CN shows no English, and the English window is unchanged."""

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QMessageBox, QWidget

from studio.io.preferences import load_settings
from studio.settings import PRESETS, SCHEMA
from studio.ui import data_words, setting_texts
from studio.ui.help import plain_text
from studio.ui.i18n import install_language, remove_language, resolve, system_language

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "update_translations", ROOT / "scripts/update_translations.py"
)
tools = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tools)

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
FIX = "run `python scripts/update_translations.py`, translate what it lists, and run it again"


def lupdate_or_skip() -> None:
    try:
        tools.tool("lupdate")
        tools.tool("lrelease")
    except FileNotFoundError as e:
        pytest.skip(str(e))


# ---- the translation files ------------------------------------------------------------------


def test_schema_texts_module_lists_the_schema_as_it_is():
    """studio/ui/schema_texts.py (what lupdate reads for studio/settings) is in step with it."""
    assert tools.SCHEMA_TEXTS.read_text(encoding="utf-8") == tools.schema_texts_source(), FIX
    from studio.ui.schema_texts import TEXTS

    for s in SCHEMA.values():
        assert s.label in TEXTS and s.help in TEXTS
    for p in PRESETS.values():
        assert p.help in TEXTS


def test_every_window_text_has_a_finished_chinese_translation(tmp_path):
    lupdate_or_skip()
    for lang in tools.LANGUAGES:
        ts = tools.ts_path(lang, tmp_path)
        ts.write_bytes(tools.ts_path(lang).read_bytes())
        tools.run_lupdate(ts)  # the committed translations merged with the texts as they are now
        missing = tools.unfinished(ts)
        listed = "\n".join(f"  [{ctx}] {src!r}" for ctx, src in missing)
        assert not missing, f"{len(missing)} text(s) without a {lang} translation:\n{listed}\n{FIX}"
        assert ts.read_bytes() == tools.ts_path(lang).read_bytes(), (
            f"{tools.ts_path(lang).name} is not what lupdate makes from the sources now; {FIX}"
        )


def test_the_translations_travel_in_the_wheel():
    import tomllib

    from studio.core.paths import resources_dir

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert (
        "translations/*.qm" in pyproject["tool"]["setuptools"]["package-data"]["studio.resources"]
    )
    for lang in tools.LANGUAGES:
        assert (resources_dir() / "translations" / f"aigc-studio_{lang}.qm").is_file()


def test_committed_qm_is_built_from_the_ts(tmp_path):
    lupdate_or_skip()
    for lang in tools.LANGUAGES:
        qm = tools.qm_path(lang, tmp_path)
        tools.run_lrelease(tools.ts_path(lang), qm)
        assert qm.read_bytes() == tools.qm_path(lang).read_bytes(), FIX


def test_every_translation_is_chinese_and_keeps_its_placeholders():
    """Each translation says it in Chinese (product names, file patterns and symbols aside) and
    keeps every {n} placeholder and markup tag of its source."""
    import xml.etree.ElementTree as ET

    same_allowed = {"AIGC Studio", "top-k", "top-p", "min-p"}
    for lang in tools.LANGUAGES:
        for ctx in ET.parse(tools.ts_path(lang)).getroot().iter("context"):
            for msg in ctx.iter("message"):
                src = msg.findtext("source")
                tr = msg.findtext("translation")
                where = f"[{ctx.findtext('name')}] {src!r}: {tr!r}"
                placeholders = sorted(re.findall(r"\{[^}]*\}", src))
                assert placeholders == sorted(re.findall(r"\{[^}]*\}", tr)), where
                assert sorted(re.findall(r"</?\w+>", src)) == sorted(re.findall(r"</?\w+>", tr)), (
                    where
                )
                if src in same_allowed:
                    continue
                assert CJK.search(tr), where
                if "&" in src and "&gt;" not in src:  # a menu's mnemonic stays, Chinese style
                    assert re.search(r"\(&\w\)", tr), where


def test_every_tr_call_is_visible_to_lupdate():
    """lupdate reads only literal texts, and takes the class a `self.tr` is written in as its
    context (PySide6 asks with the object's class): a text passed in a variable, a `tr` on another
    object or a translate() with a computed context would silently stay English. The helpers that
    translate words marked elsewhere with QT_TRANSLATE_NOOP are the exceptions."""
    wrappers = {
        ("setting_texts.py", "_tr"),
        ("data_words.py", "stop_reason"),
        ("data_words.py", "stage_name"),
        ("data_words.py", "card_field"),
        ("data_words.py", "card_source"),
        ("window_files.py", "tr"),
        ("window_layout.py", "_tr"),
        ("i18n.py", "translate_in"),
    }
    bad = []

    def visit(node: ast.AST, path: Path, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            f = node.func
            called = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if called in ("tr", "translate", "QT_TRANSLATE_NOOP"):
                texts = node.args[:1] if called == "tr" else node.args[:2]
                literal = all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in texts
                )
                receiver_ok = (
                    called != "tr"
                    or not isinstance(f, ast.Attribute)
                    or (isinstance(f.value, ast.Name) and f.value.id == "self")
                )
                if not (literal and receiver_ok) and (path.name, function) not in wrappers:
                    bad.append(f"{path.name}:{node.lineno} {ast.unparse(node)[:80]}")
        for child in ast.iter_child_nodes(node):
            visit(child, path, function)

    for path in sorted((ROOT / "studio/ui").glob("*.py")):
        visit(ast.parse(path.read_text(encoding="utf-8")), path, "")
    assert not bad, "texts lupdate cannot find or finds in the wrong context:\n" + "\n".join(bad)


# ---- choosing the language --------------------------------------------------------------------


def _system_language(env: dict) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LANG", "LANGUAGE") and not k.startswith("LC_")
    }
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from studio.ui.i18n import system_language; print(system_language())",
        ],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_the_language_follows_the_system_locale():
    assert _system_language({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert _system_language({"LANG": "en_US.UTF-8"}) == "en"
    assert _system_language({"LANG": "de_DE.UTF-8"}) == "en"  # no German yet: the source texts
    assert _system_language({"LANG": "zh_TW.UTF-8"}) == "en"  # Traditional: not Simplified


def test_a_chosen_language_overrides_the_system():
    assert resolve("zh_CN") == "zh_CN"
    assert resolve("en") == "en"
    assert resolve("system") == system_language()
    assert resolve("klingon") == system_language()  # a bad preference counts as "system"


def test_qt_and_the_studio_translations_are_both_found(qapp):
    translators = install_language("zh_CN")
    try:
        assert len(translators) == 2  # Qt's own (qtbase_zh_CN.qm) and the studio's
        assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"
        # Qt's standard buttons, as message boxes show them
        assert CJK.search(QCoreApplication.translate("QPlatformTheme", "Cancel"))
    finally:
        remove_language(translators)
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_installed_translators_outlive_the_list_they_came_in(qapp):
    """The window's start installs them and keeps no reference: they must stay installed."""
    import gc

    install_language("zh_CN")  # the list is dropped at once
    gc.collect()
    try:
        assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"
    finally:
        for t in qapp.findChildren(QTranslator):
            QCoreApplication.removeTranslator(t)
            t.deleteLater()
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_restart_starts_the_same_command_again(tmp_path):
    """After View > Language > Restart Now the studio starts again as it was started."""
    code = (
        "import os, sys\n"
        "from studio.ui.app import restart\n"
        "if os.environ.get('AIGC_TEST_RESTARTED'):\n"
        "    print('again', sys.argv[1:])\n"
        "else:\n"
        "    os.environ['AIGC_TEST_RESTARTED'] = '1'\n"
        "    sys.stdout.flush()\n"
        "    restart()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--open", "x"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "again ['--open', 'x']", out.stderr


# ---- the words that come from the schema and the engine ------------------------------------------


@pytest.fixture
def chinese(qapp):
    translators = install_language("zh_CN")
    yield
    remove_language(translators)


def test_schema_words_are_chinese_in_the_chinese_window(chinese):
    for s in SCHEMA.values():
        assert CJK.search(setting_texts.label(s)), s.name
        described = setting_texts.describe(s)
        assert CJK.search(described) and "Accepts" not in described and "One of" not in described
        assert s.range_text() in described  # the bounds as the command line writes them
    for name in PRESETS:
        assert CJK.search(setting_texts.preset_help(name)), name


def test_schema_words_are_the_schemas_own_in_english(qapp):
    for s in SCHEMA.values():
        assert setting_texts.label(s) == s.label
        assert setting_texts.describe(s) == s.describe()
    for name, p in PRESETS.items():
        assert setting_texts.preset_help(name) == p.help


def test_engine_and_card_words_are_chinese(chinese):
    from safetensors import safe_open

    for word in ("length", "eos", "stop", "cancelled"):
        assert CJK.search(data_words.stop_reason(word)), word
    for word in ("model", "repetition penalty", "temperature", "greedy"):
        assert CJK.search(data_words.stage_name(word)), word
    assert data_words.device("cpu, 2 threads") == "CPU，2 个线程"
    assert data_words.device("cuda:0") == "cuda:0"
    # every field of the bundled models' cards has a Chinese name
    for f in sorted((ROOT / "models").glob("*.safetensors")):
        with safe_open(str(f), "pt") as m:
            card = json.loads(m.metadata()["studio.card"])
        for section in ("data", "metrics", "architecture", "training"):
            for key in card.get(section) or {}:
                assert CJK.search(data_words.card_field(key)), f"{f.name} {section}.{key}"


# ---- the window --------------------------------------------------------------------------------


def visible_texts(w: QWidget) -> list[tuple[str, str]]:
    """(what, text) of every action, button, label and group title in window `w`, and every
    tooltip, status tip and placeholder."""
    found = []
    for a in w.findChildren(QAction):
        found += [("action", a.text()), ("status tip", a.statusTip())]
    for b in w.findChildren(QAbstractButton):
        found.append(("button", b.text()))
    for lab in w.findChildren(QLabel):
        found.append(("label", lab.text()))
    for g in w.findChildren(QGroupBox):
        found.append(("group", g.title()))
    for x in w.findChildren(QWidget):
        found.append(("tooltip", x.toolTip()))
        if hasattr(x, "placeholderText"):
            found.append(("placeholder", x.placeholderText()))
    found += [("tab", w.tabs.tabText(i)) for i in range(w.tabs.count())]
    found += [("menu", m.title()) for m in w.findChildren(QMenu)]
    return [(k, t) for k, t in found if t]


def english_left(w: QWidget) -> list[tuple[str, str]]:
    allowed = {"English", "AIGC Studio"}  # the language's own name; the product's
    data = {w.status_text("model")}  # a model's title is the model file's
    return [
        (k, t)
        for k, t in visible_texts(w)
        if LATIN_WORD.search(t) and not CJK.search(t) and t not in allowed | data
    ]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_STUDIO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_the_chinese_window_shows_no_english(qtbot, home, chinese):
    from studio.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles == ["文件(&F)", "运行(&R)", "视图(&V)", "帮助(&H)"]
    for b in (w.text.generate_button, w.text.continue_button, w.text.stop_button):
        assert CJK.search(b.text())
    for s in w.sampling.sliders.values():
        assert CJK.search(s.label.text()) and CJK.search(s.label.toolTip())
    assert w.sampling.sliders["temperature"].label.text() == "温度"
    assert [plain_text(a.text()) for a in w.language_actions.values()] == [
        "跟随系统",
        "English",
        "简体中文",
    ]
    assert english_left(w) == []
    # the shortcuts list reads the translated actions, without their mnemonics
    rows = dict(w.shortcut_rows())
    assert "生成" in rows and "打开" in rows
    w.close()


def test_the_english_window_is_unchanged(qtbot, home, qapp):
    from studio.ui.main_window import MainWindow

    translators = install_language("zh_CN")
    remove_language(translators)  # installed and removed again: nothing stays behind
    w = MainWindow()
    qtbot.addWidget(w)
    assert [a.text() for a in w.menuBar().actions()] == ["&File", "&Run", "&View", "&Help"]
    assert w.text.generate_button.text() == "Generate"
    assert w.sampling.sliders["temperature"].label.text() == "Temperature"
    assert w.sampling.sliders["temperature"].label.toolTip() == SCHEMA["temperature"].describe()
    assert w.sampling.preset_buttons["Greedy"].toolTip() == PRESETS["Greedy"].help
    assert w.status_text("tokens") == "0 tokens" and w.status_text("speed") == "– tok/s"
    assert dict(w.shortcut_rows())["Open"]
    assert not any(CJK.search(t) for k, t in visible_texts(w) if t != "简体中文")
    w.close()


def test_view_language_keeps_the_choice_and_offers_a_restart_in_it(qtbot, home, monkeypatch):
    from studio.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    assert w.language_actions["system"].isChecked()
    asked = []

    def click(text: str):
        def answer(box: QMessageBox) -> int:
            asked.append((box.windowTitle(), box.text(), [b.text() for b in box.buttons()]))
            next(b for b in box.buttons() if b.text() == text).click()
            return 0

        return answer

    monkeypatch.setattr(QMessageBox, "exec", click("稍后"))  # Later

    w.language_actions["zh_CN"].trigger()
    # asked in the language chosen, though the window still speaks English
    title, text, buttons = asked[0]
    assert title == "语言" and CJK.search(text) and "稍后" in buttons
    assert load_settings()["language"] == "zh_CN"
    assert not getattr(w, "restart_requested", False)  # Later: the window stays open
    w.close()
    assert load_settings()["language"] == "zh_CN"  # kept when the window saves its settings

    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.language_actions["zh_CN"].isChecked()
    monkeypatch.setattr(QMessageBox, "exec", click("Restart Now"))  # said in English now
    w2.language_actions["en"].trigger()
    assert asked[-1][0] == "Language"
    assert w2.restart_requested and w2.isHidden()  # closed: app.run_app starts it again
    assert load_settings()["language"] == "en"
