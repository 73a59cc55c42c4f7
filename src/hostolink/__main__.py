from hostolink.cli import main

raise SystemExit(main())
