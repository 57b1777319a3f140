"""``python -m srtutor ...``: see :mod:`srtutor.cli` (:func:`srtutor.cli.run`)."""
from srtutor.cli import run

run()
