"""The output view: the prompt set apart, then the generated text token by token.

Each generated token is one run of characters with its own format, so probability colours can be
switched on and off, and hovering a token shows its alternatives, their probabilities and the step's
entropy. Tokens are appended at the end with one cursor, which stays cheap however long the text.
A QPlainTextEdit rather than a QTextEdit: its layout works block by block and lays out only what
is on screen, so a long run costs the GUI thread no more per batch than a short one (~6% less
GUI-thread time while streaming `bench ui`'s 1,500 tokens).
"""

from __future__ import annotations

import bisect
import html

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QInputDialog, QMenu, QPlainTextEdit, QToolTip, QWidget

from studio.io.display_format import pct, show_text

BUCKETS = 20  # probability colours come in steps of 1/BUCKETS


def prob_color(p: float) -> QColor:
    """Background for a token drawn with probability p: red (unlikely) through yellow to green."""
    p = min(max(p, 0.0), 1.0)
    return QColor.fromHsvF(p / 3.0, 0.42, 1.0)


def qlen(s: str) -> int:
    """Length in Qt's document positions (UTF-16 code units), which count an emoji as two."""
    return len(s.encode("utf-16-le")) // 2


def hand_format(f: QTextCharFormat) -> QTextCharFormat:
    """`f`, marked as chosen by hand: underlined, in bold."""
    g = QTextCharFormat(f)
    g.setFontUnderline(True)
    g.setUnderlineColor(QColor("#1f3b73"))
    g.setFontWeight(QFont.Weight.Bold)
    return g


class OutputView(QPlainTextEdit):
    """Read-only text: the prompt in its own format, generated tokens after it."""

    sig_token_clicked = Signal(int)
    """A generated token was clicked (not dragged over): its index, which is its step."""
    sig_branch_wanted = Signal(int, int, str)
    """Branch here (a token's context menu): (its index, the chosen token's id, or -1 and the
    text typed for it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setMouseTracking(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(11)
        self.setFont(font)
        self.document().setDefaultFont(font)
        self._prompt_fmt = QTextCharFormat()
        self._prompt_fmt.setForeground(QColor("#1f3b73"))
        self._prompt_fmt.setBackground(QColor("#e4ecf7"))
        self._prompt_fmt.setFontWeight(QFont.Weight.Bold)
        self._plain_fmt = QTextCharFormat()
        self._plain_fmt.setForeground(self.palette().text().color())
        self._colors = False
        self._prompt = ""
        self._tokens: list = []  # TokenEvent-like: text, prob, model_prob, entropy, top
        self._starts: list[int] = []  # document position where each token's text starts
        self._cursor = QTextCursor(self.document())
        self._end = 0
        self._formats = [self._token_format(i / BUCKETS) for i in range(BUCKETS + 1)]
        # a token chosen by hand (a branch's fork) is underlined, coloured or not
        self._hand_formats = [hand_format(f) for f in self._formats]
        self._hand_plain = hand_format(self._plain_fmt)
        # Follow the newest text unless the person scrolled away from the end: a scroll that we
        # did not make decides whether to go on following (back at the end: yes).
        self._follow = True
        self._scrolling = False
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.viewport().installEventFilter(self)

    # ---- content ------------------------------------------------------------------------------

    def start(self, prompt: str) -> None:
        """Clear the view and show the prompt of a new run."""
        self._prompt = prompt
        self._tokens = []
        self._starts = []
        self.document().clear()
        self._cursor = QTextCursor(self.document())
        self._cursor.insertText(prompt, self._prompt_fmt)
        self._end = self._cursor.position()
        # a new run is followed from its prompt's end, however long the prompt
        self._follow = True
        self.scroll_to_end()

    def append_tokens(self, tokens: list) -> None:
        """Append generated tokens (TokenEvent or alike), keeping the newest in view unless the
        person scrolled away from the end.

        Qt calls are the cost here, so neighbouring tokens of the same colour go in as one insert,
        all inside one edit block (one relayout), and positions are counted in Python.
        """
        if not tokens:
            return
        c = self._cursor
        pos = self._end
        starts, kept = self._starts, self._tokens
        formats = self._formats if self._colors else None
        run: list[str] = []
        run_fmt = None
        c.beginEditBlock()
        for t in tokens:
            starts.append(pos)
            kept.append(t)
            s = t.text
            if not s:
                continue
            pos += len(s) if s.isascii() else qlen(s)
            if t.by_hand:
                fmt = self._hand_formats[round(t.prob * BUCKETS)] if formats else self._hand_plain
            else:
                fmt = formats[round(t.prob * BUCKETS)] if formats else self._plain_fmt
            if fmt is not run_fmt and run:
                c.insertText("".join(run), run_fmt)
                run = []
            run_fmt = fmt
            run.append(s)
        if run:
            c.insertText("".join(run), run_fmt)
        c.endEditBlock()
        self._end = pos
        if self._follow:
            self.scroll_to_end()

    def following(self) -> bool:
        """Whether the view keeps the newest text in sight as it arrives."""
        return self._follow

    def scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        self._scrolling = True
        try:
            bar.setValue(bar.maximum())
        finally:
            self._scrolling = False

    def _scrolled(self, value: int) -> None:
        if not self._scrolling:
            self._follow = value >= self.verticalScrollBar().maximum() - 1

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._follow:  # lines wrap anew: the end stays in sight
            self.scroll_to_end()

    def show_run(self, prompt: str, tokens: list) -> None:
        self.start(prompt)
        self.append_tokens(tokens)

    def set_colors(self, on: bool) -> None:
        """Colour each generated token by its probability (re-renders the current text)."""
        if on == self._colors:
            return
        self._colors = on
        value, follow = self.verticalScrollBar().value(), self._follow
        tokens = self._tokens
        self.show_run(self._prompt, tokens)
        if follow:
            self.scroll_to_end()
        else:  # where the person was reading
            self.verticalScrollBar().setValue(value)
            self._follow = False

    def colors(self) -> bool:
        return self._colors

    def prompt(self) -> str:
        """The prompt of the run shown."""
        return self._prompt

    def generated_text(self) -> str:
        return "".join(t.text for t in self._tokens)

    def token_count(self) -> int:
        return len(self._tokens)

    def tokens(self) -> list:
        """The generated tokens shown (TokenEvent or alike), in order."""
        return list(self._tokens)

    def _token_format(self, p: float) -> QTextCharFormat:
        f = QTextCharFormat(self._plain_fmt)
        f.setBackground(prob_color(p))
        return f

    # ---- hovering -----------------------------------------------------------------------------

    def token_index_at(self, pos: QPoint) -> int | None:
        """Index of the generated token under a viewport point, or None."""
        c = self.cursorForPosition(pos)
        p = c.position()
        if pos.x() < self.cursorRect(c).left():
            p -= 1
        if p < qlen(self._prompt) or not self._starts:
            return None
        i = bisect.bisect_right(self._starts, p) - 1
        # skip tokens that released no text (a character still incomplete)
        while i >= 0 and not self._tokens[i].text:
            i -= 1
        if i < 0 or p >= self._starts[i] + qlen(self._tokens[i].text):
            return None
        return i

    def token_tooltip(self, i: int) -> str:
        t = self._tokens[i]
        rows = "".join(
            "<tr><td>{}</td><td align=right>{}</td><td align=right>{}</td></tr>".format(
                ("<b>{}</b>" if c.id == t.id else "{}").format(html.escape(show_text(c.text))),
                pct(c.prob),
                pct(c.model_prob),
            )
            for c in t.top
        )
        head = self.tr("Token {0}: <b>{1}</b>").format(t.step + 1, html.escape(show_text(t.text)))
        nums = self.tr("prob {0} · model_prob {1} · entropy {2:.2f} nats").format(
            pct(t.prob), pct(t.model_prob), t.entropy
        )
        table = ""
        if rows:
            table = (
                "<table cellspacing=4><tr><th align=left>{}</th><th>{}</th><th>{}</th></tr>"
                "{}</table>"
            ).format(self.tr("alternative"), self.tr("prob"), self.tr("model_prob"), rows)
        if t.by_hand:
            head += "<br>" + self.tr("Chosen by hand (a branch), not drawn.")
        hint = self.tr(
            "Click the token for its sampling stages; right-click it to branch here with "
            "another token."
        )
        return f"<p style='white-space:pre'>{head}<br>{nums}</p>{table}<p><i>{hint}</i></p>"

    # ---- branching ----------------------------------------------------------------------------

    def branch_menu(self, i: int, parent: QWidget | None = None) -> QMenu:
        """ "Branch here with": token i's alternatives (not the one drawn), with their
        probabilities, and a token typed by hand."""
        t = self._tokens[i]
        menu = QMenu(self.tr("Branch here with"), parent or self)
        menu.setToolTipsVisible(True)
        for c in t.top:
            if c.id == t.id:
                continue
            label = f"{show_text(c.text)}\t{pct(c.model_prob)}"
            action = menu.addAction(label)
            action.setToolTip(
                self.tr(
                    "The text up to token {0}, then this token; generation goes on from there."
                ).format(i + 1)
            )
            action.triggered.connect(
                lambda _=False, cid=c.id: self.sig_branch_wanted.emit(i, cid, "")
            )
        menu.addSeparator()
        typed = menu.addAction(self.tr("Type a token…"))
        typed.triggered.connect(lambda: self._type_token(i))
        return menu

    def _type_token(self, i: int) -> None:
        text, ok = QInputDialog.getText(
            self,
            self.tr("Branch here"),
            self.tr("The token to put in place of token {0} (one token of the model's):").format(
                i + 1
            ),
        )
        if ok and text:
            self.sig_branch_wanted.emit(i, -1, text)

    def contextMenuEvent(self, event) -> None:
        menu = self.createStandardContextMenu(event.pos())
        i = self.token_index_at(event.pos())
        if i is not None:
            menu.insertMenu(menu.actions()[0], self.branch_menu(i, menu))
            menu.insertSeparator(menu.actions()[1])
        menu.exec(event.globalPos())
        menu.deleteLater()

    def eventFilter(self, obj, event: QEvent) -> bool:
        # An event filter rather than a viewportEvent override: paint events then run in C++
        # alone, and only tooltips and mouse moves come to Python.
        kind = event.type()
        if kind == QEvent.Type.ToolTip:
            self._show_tooltip(event.pos(), event.globalPos())
            return True
        if kind == QEvent.Type.MouseMove and QToolTip.isVisible():
            self._show_tooltip(event.position().toPoint(), event.globalPosition().toPoint())
        elif (
            kind == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
            and not self.textCursor().hasSelection()  # a drag selects text: not a click
        ):
            i = self.token_index_at(event.position().toPoint())
            if i is not None:
                self.sig_token_clicked.emit(i)
        return False

    def _show_tooltip(self, pos: QPoint, global_pos: QPoint) -> None:
        i = self.token_index_at(pos)
        if i is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(global_pos, self.token_tooltip(i), self.viewport())
