"""``python -m shotdetect``: the same as the ``shotdetect`` command."""

import sys

from .entry import main

sys.exit(main())
