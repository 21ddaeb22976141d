"""Qt widgets, the main window and the worker thread."""
