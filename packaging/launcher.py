"""The standalone bundle's entry point: the same as `python -m studio` (the window, the command line,
or, with `--engine-server` or `--train-server`, the window's engine or training process;
studio/__main__.py tells them apart).

With AIGC_STUDIO_WINDOW_CHECK=<tokens> set it runs packaging/window_check.py instead: the window
generating through its engine process, offscreen, as packaging/smoke_bundle.sh checks the bundle.
"""

import os
import runpy
import sys

_CHILDREN = (["--engine-server"], ["--train-server"])  # the window's own processes
if os.environ.get("AIGC_STUDIO_WINDOW_CHECK") and sys.argv[1:2] not in _CHILDREN:
    from window_check import main

    raise SystemExit(main())

# alter_sys=False: sys.argv[0] stays the program's path (a restart, View > Language, runs it again)
runpy.run_module("studio", run_name="__main__", alter_sys=False)
