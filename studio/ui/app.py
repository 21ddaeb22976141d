"""Starting the studio window. The window's process never imports torch (the engine process does).

`AIGC_STUDIO_EXIT_WHEN_SHOWN=1` makes the app print `shown <seconds since start> torch=<bool>` once
the window has been painted, and quit: the UI benchmark and the tests time the start-up with it.
"""

from __future__ import annotations

import os
import sys
import time

T_START = time.perf_counter()


def app_icon():
    """The studio's icon in every size it ships (resources/icons), for the window and task bar."""
    from PySide6.QtGui import QIcon

    from studio.core.paths import resources_dir

    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("aigc-studio-*.png")):
        icon.addFile(str(png))
    return icon


def run_app(argv: list[str] | None = None, model: str | None = None) -> int:
    """Open the window (with `model`, a name or path, instead of the last one used); returns when
    it closes."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("AIGC Studio")
    app.setOrganizationName("aigc-studio")
    app.setStyle("Fusion")
    app.setDesktopFileName("aigc-studio")  # the desktop entry (resources/aigc-studio.desktop)
    app.setWindowIcon(app_icon())

    from studio.io.preferences import language, load_settings
    from studio.ui.i18n import install_language, resolve

    # before any widget is built: every text is set once, in this language
    install_language(resolve(language(load_settings())))

    from studio.ui.main_window import MainWindow

    window = MainWindow(initial_model=model)
    window.show()
    if os.environ.get("AIGC_STUDIO_EXIT_WHEN_SHOWN"):

        def report() -> None:
            print(
                f"shown {time.perf_counter() - T_START:.3f} torch={'torch' in sys.modules}",
                flush=True,
            )
            window.close()
            app.quit()

        # after the first paint: a zero timer runs once the pending expose/paint events are done
        window.repaint()
        QTimer.singleShot(0, report)
    rc = app.exec()
    # Everything the window owns is saved and closed by now (settings, history, the engine process).
    # Skip the interpreter's teardown, which with torch loaded takes over a second, so that closing
    # the window ends the process at once.
    sys.stdout.flush()
    sys.stderr.flush()
    if getattr(window, "restart_requested", False):  # View > Language: start again in it
        restart()
    os._exit(rc)


def restart() -> None:
    """Replace this process with a new studio, started as this one was."""
    argv = [sys.executable, *sys.orig_argv[1:]]  # orig_argv: with "-m studio" where used
    try:
        os.execv(sys.executable, argv)
    except OSError as e:
        print(f"aigc-studio: could not restart: {e}", file=sys.stderr, flush=True)
