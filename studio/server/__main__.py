from studio.server.main import main

raise SystemExit(main())
