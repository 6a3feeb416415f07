from simlib.apps.cli import main

raise SystemExit(main())
