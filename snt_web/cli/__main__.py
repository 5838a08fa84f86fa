"""``python -m snt_web.cli``, as ``snt-web``."""

import sys

from . import main

sys.exit(main())
