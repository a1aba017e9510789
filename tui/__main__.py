"""`python -m tui` is the same as `loom`."""

from tui.cli import main

raise SystemExit(main())
