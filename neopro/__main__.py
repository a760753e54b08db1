from neopro.cli import main

raise SystemExit(main())
