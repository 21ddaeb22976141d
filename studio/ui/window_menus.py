"""The window's actions (each with its shortcuts and status tip) and its menus."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence


def build_menus(w) -> None:
    """Create the actions of MainWindow `w` as its attributes (`w.generate_action`, …), each
    triggering the window's slot, and put them in the menu bar."""

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
        w.tr("&Open…"),
        w.files.open_dialog,
        [QKeySequence.StandardKey.Open],
        w.tr("Open an exported run (.json), an exported image (.png) or a model file"),
    )
    w.open_model_action = action(
        w.tr("Open &Model…"), w.files.open_model_dialog, tip=w.tr("Open a model file")
    )
    w.open_folder_action = action(
        w.tr("Open Model &Folder…"),
        w.files.open_model_folder_dialog,
        tip=w.tr("Open a Hugging Face GPT-2 or nanoGPT folder"),
    )
    w.export_action = action(
        w.tr("&Export…"),
        w.files.export_dialog,
        ["Ctrl+E", "Ctrl+S"],
        w.tr("Export the run as .txt, .md or .json, or the image as .png or .gif"),
    )
    w.copy_action = action(
        w.tr("&Copy Text"),
        w.copy_text,
        ["Ctrl+Shift+C"],
        w.tr("Copy the prompt and the generated text"),
    )
    # Ctrl+Q written out: the standard Quit key is empty on some platforms (and Ctrl is Cmd on macOS)
    w.quit_action = action(w.tr("&Quit"), w.close, ["Ctrl+Q"])
    w.generate_action = action(w.tr("&Generate"), w.generate, ["Ctrl+Return", "Ctrl+Enter"])
    w.continue_action = action(
        w.tr("&Continue"),
        w.continue_text,
        ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
        w.tr("Generate on from the end of the text"),
    )
    w.stop_action = action(w.tr("&Stop"), w.stop, ["Esc"])
    w.colors_action = action(
        w.tr("&Probability Colours"),
        lambda on: w.text.colors_check.setChecked(on),
        ["Ctrl+Shift+P"],
    )
    w.colors_action.setCheckable(True)
    w.card_action = action(w.tr("Model &Card…"), w.models.show_card)
    w.search_action = action(
        w.tr("&Search History"),
        w.focus_history_search,
        [QKeySequence.StandardKey.Find],
        w.tr("Find a past run by its text or model"),
    )
    w.shortcuts_action = action(
        w.tr("&Keyboard Shortcuts"),
        w.show_shortcuts,
        [QKeySequence.StandardKey.HelpContents],
    )
    w.about_action = action(w.tr("&About AIGC Studio"), w.show_about)

    m = w.menuBar().addMenu(w.tr("&File"))
    for a in (w.open_action, w.open_model_action, w.open_folder_action):
        m.addAction(a)
    m.addSeparator()
    m.addAction(w.export_action)
    m.addAction(w.copy_action)
    m.addSeparator()
    m.addAction(w.quit_action)
    r = w.menuBar().addMenu(w.tr("&Run"))
    r.addAction(w.generate_action)
    r.addAction(w.continue_action)
    r.addAction(w.stop_action)
    v = w.menuBar().addMenu(w.tr("&View"))
    v.addAction(w.colors_action)
    v.addAction(w.card_action)
    v.addAction(w.search_action)
    h = w.menuBar().addMenu(w.tr("&Help"))
    h.addAction(w.shortcuts_action)
    h.addAction(w.about_action)
