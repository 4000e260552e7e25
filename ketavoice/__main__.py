from ketavoice.cli import main

raise SystemExit(main())
