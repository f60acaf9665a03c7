"""Fixtures for the validator tests.

``validators_testkit`` (batch builders and fault injectors) sits beside the tests;
under ``--import-mode=importlib`` pytest does not put this folder on ``sys.path``,
so it is added here, once, for the test modules to import it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
