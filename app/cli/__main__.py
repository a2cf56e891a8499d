"""``python -m app.cli``: the ``nodeloom`` command."""

import sys

from .commands import main

sys.exit(main())
