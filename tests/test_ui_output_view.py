"""The output view: token positions (also past emoji and newlines), colours, and many Qt calls."""

import sys

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel

from studio.core.events import Candidate, TokenEvent
from studio.ui.output_view import OutputView, prob_color


def tok(step, text, prob=0.5):
    return TokenEvent(
        0, step, step, text, prob, prob / 2, 1.5, (Candidate(step, text, prob, prob / 2),)
    )


@pytest.fixture
def view(qtbot):
    v = OutputView()
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.show()
    return v


@pytest.mark.parametrize("colors", [False, True])
def test_every_token_is_found_where_it_is_drawn(view, colors):
    view.set_colors(colors)
    pieces = ["Hi", " 🙂", "", "x", "\n", "世界", "!", "\n", "end"]
    view.start("prompt🙂: ")
    view.append_tokens([tok(i, p, prob=i / 10) for i, p in enumerate(pieces[:4])])
    view.append_tokens([tok(i + 4, p) for i, p in enumerate(pieces[4:])])
    assert view.toPlainText() == "prompt🙂: " + "".join(pieces)
    assert view.generated_text() == "".join(pieces)
    for i, p in enumerate(pieces):
        if not p.strip():
            continue
        c = QTextCursor(view.document())
        c.setPosition(view._starts[i])
        point = view.cursorRect(c).center()
        point.setX(point.x() + 3)
        assert view.token_index_at(point) == i, p
    c = QTextCursor(view.document())
    c.setPosition(2)
    assert view.token_index_at(view.cursorRect(c).center()) is None  # the prompt


def test_switching_colours_keeps_the_text(view):
    view.start("a")
    view.append_tokens([tok(0, "b", 0.1), tok(1, "c", 0.9)])
    view.set_colors(True)
    c = QTextCursor(view.document())
    c.setPosition(2)  # after "ab": the format of "b"
    assert c.charFormat().background().color() == prob_color(0.1)
    view.set_colors(False)
    assert view.toPlainText() == "abc"


def test_long_sessions_of_qt_calls_do_not_exhaust_none(qtbot):
    # some PySide6 builds drop a reference to None on every void call (see studio/ui/__init__.py)
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(20_000):
        label.setText("x")
    assert sys.getrefcount(None) > 10_000 or sys.version_info >= (3, 12)
    assert before > 0


def test_long_sessions_of_signal_emits_do_not_exhaust_true(qtbot):
    # the same builds drop a reference to True on every signal emit; 20,000 emits of a bool signal
    # used to abort the interpreter at exit with "bool_dealloc"
    from PySide6.QtCore import QObject, Signal

    class Source(QObject):
        flag = Signal(bool)

    source = Source()
    got = []
    source.flag.connect(got.append)
    for _ in range(20_000):
        source.flag.emit(True)
    assert len(got) == 20_000
    assert sys.getrefcount(True) > 10_000 or sys.version_info >= (3, 12)
