"""``python -m shotdetect``: the same as the ``shotdetect`` command."""

import sys

from .cli import main

sys.exit(main())
