"""The engine process: a child of the window's process that owns the loaded model and runs it.

Started by `studio.io.engine_process` (`python -m studio.server`); speaks `studio.core.wire`
messages on its stdin and stdout. Nothing in the window's process imports this package.
"""
