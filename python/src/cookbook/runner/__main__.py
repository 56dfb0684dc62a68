"""`python -m cookbook.runner`: see `cookbook.runner.cli`."""

import sys

from cookbook.runner.cli import main

sys.exit(main())
