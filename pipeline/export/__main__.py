"""`python -m pipeline.export`: see pipeline.export.cli."""

import sys

from pipeline.export.cli import main

sys.exit(main())
