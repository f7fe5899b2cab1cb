# -*- coding: utf-8 -*-
"""``python -m authomatic_extras.gae.devserver``."""
import sys

from authomatic_extras.gae.devserver.cli import main

sys.exit(main())
