"""``python -m amphase`` runs the command line."""

import sys

from amphase.cli import main

sys.exit(main())
