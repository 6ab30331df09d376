"""``python -m verify`` runs the ``memverify`` command line."""

import sys

from .cli import main

sys.exit(main())
