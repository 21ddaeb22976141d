"""The standalone bundle's entry point: the same as `python -m studio` (the window, the command line,
or, with the engine flag, the window's engine process)."""

import runpy

runpy.run_module("studio", run_name="__main__", alter_sys=True)
