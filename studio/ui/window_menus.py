"""The window's actions (each with its shortcuts and status tip) and its menus."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QKeySequence

from studio.ui.language_menu import add_language_menu
from studio.ui.precision_menu import add_precision_menu


def build_menus(w) -> None:
    """Create the actions of MainWindow `w` as its attributes (`w.generate_action`, …), each
    triggering the window's slot, and put them in the menu bar."""

    translate = QCoreApplication.translate  # in MainWindow's context, as w.tr would be

    def action(text: str, slot, shortcuts=(), tip: str = "") -> QAction:
        a = QAction(text, w)
        if shortcuts:
            a.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        w.addAction(a)
        return a

    w.open_action = action(
        translate("MainWindow", "&Open…"),
        w.files.open_dialog,
        [QKeySequence.StandardKey.Open],
        translate(
            "MainWindow", "Open an exported run (.json), an exported image (.png) or a model file"
        ),
    )
    w.open_model_action = action(
        translate("MainWindow", "Open &Model…"),
        w.files.open_model_dialog,
        tip=translate("MainWindow", "Open a model file"),
    )
    w.open_folder_action = action(
        translate("MainWindow", "Open Model &Folder…"),
        w.files.open_model_folder_dialog,
        tip=translate("MainWindow", "Open a Hugging Face GPT-2 or nanoGPT folder"),
    )
    w.download_action = action(
        translate("MainWindow", "&Download Model…"),
        w.files.download_dialog,
        tip=translate(
            "MainWindow", "Download a model from the Hugging Face Hub into your model folder"
        ),
    )
    w.export_action = action(
        translate("MainWindow", "&Export…"),
        w.files.export_dialog,
        ["Ctrl+E", "Ctrl+S"],
        translate(
            "MainWindow", "Export the run as .txt, .md or .json, or the image as .png or .gif"
        ),
    )
    w.copy_action = action(
        translate("MainWindow", "&Copy Text"),
        w.copy_text,
        ["Ctrl+Shift+C"],
        translate("MainWindow", "Copy the prompt and the generated text"),
    )
    # Ctrl+Q written out: the standard Quit key is empty on some platforms (and Ctrl is Cmd on macOS)
    w.quit_action = action(translate("MainWindow", "&Quit"), w.close, ["Ctrl+Q"])
    w.generate_action = action(
        translate("MainWindow", "&Generate"), w.generate, ["Ctrl+Return", "Ctrl+Enter"]
    )
    w.continue_action = action(
        translate("MainWindow", "&Continue"),
        w.continue_text,
        ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
        translate("MainWindow", "Generate on from the end of the text"),
    )
    w.stop_action = action(translate("MainWindow", "&Stop"), w.stop, ["Esc"])
    w.colors_action = action(
        translate("MainWindow", "&Probability Colours"),
        lambda on: w.text.colors_check.setChecked(on),
        ["Ctrl+Shift+P"],
    )
    w.colors_action.setCheckable(True)
    w.card_action = action(translate("MainWindow", "Model &Card…"), w.models.show_card)
    w.search_action = action(
        translate("MainWindow", "&Search History"),
        w.focus_history_search,
        [QKeySequence.StandardKey.Find],
        translate("MainWindow", "Find a past run by its text or model"),
    )
    w.shortcuts_action = action(
        translate("MainWindow", "&Keyboard Shortcuts"),
        w.show_shortcuts,
        [QKeySequence.StandardKey.HelpContents],
    )
    w.about_action = action(translate("MainWindow", "&About AIGC Studio"), w.show_about)

    m = w.menuBar().addMenu(translate("MainWindow", "&File"))
    for a in (w.open_action, w.open_model_action, w.open_folder_action, w.download_action):
        m.addAction(a)
    m.addSeparator()
    m.addAction(w.export_action)
    m.addAction(w.copy_action)
    m.addSeparator()
    m.addAction(w.quit_action)
    r = w.menuBar().addMenu(translate("MainWindow", "&Run"))
    r.addAction(w.generate_action)
    r.addAction(w.continue_action)
    r.addAction(w.stop_action)
    r.addSeparator()
    add_precision_menu(w, r)
    v = w.menuBar().addMenu(translate("MainWindow", "&View"))
    v.addAction(w.colors_action)
    v.addAction(w.card_action)
    v.addAction(w.search_action)
    v.addSeparator()
    add_language_menu(w, v)
    h = w.menuBar().addMenu(translate("MainWindow", "&Help"))
    h.addAction(w.shortcuts_action)
    h.addAction(w.about_action)
