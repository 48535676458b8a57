"""``python -m parcrop``: the same as the ``parcrop`` command."""

import sys

from ._cli import main

sys.exit(main())
