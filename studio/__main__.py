import sys

from studio.io.engine_process import FROZEN_FLAG, TRAIN_FLAG

if sys.argv[1:2] == [FROZEN_FLAG]:
    # the engine process of a window started from a frozen app (io.engine_process.engine_command)
    from studio.server.main import main as engine_main

    raise SystemExit(engine_main())
if sys.argv[1:2] == [TRAIN_FLAG]:
    # ... and its training process
    from studio.server.train import main as train_main

    raise SystemExit(train_main())

from studio.cli.main import main  # noqa: E402 - only when this is not the engine process

raise SystemExit(main())
