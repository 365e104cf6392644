"""`python -m pipeline.publish`: see pipeline.publish.cli."""

import sys

from pipeline.publish.cli import main

sys.exit(main())
