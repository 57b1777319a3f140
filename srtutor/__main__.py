"""``python -m srtutor ...``: see :mod:`srtutor.cli`."""
from srtutor.cli import main

raise SystemExit(main())
