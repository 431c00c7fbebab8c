"""``python -m topics`` runs the command line, like the ``topics`` script."""

import sys

from topics.cli import main

sys.exit(main())
