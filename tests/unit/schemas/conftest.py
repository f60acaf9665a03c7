"""Fixtures for the contract tests.

``schemas_testkit`` (builders and hypothesis strategies) sits beside the tests;
under ``--import-mode=importlib`` pytest does not put this folder on
``sys.path``, so it is added here, once, for the test modules to import it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schemas import Contract, load_contracts

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def shipped() -> list[Contract]:
    """Every shipped contract, loaded and linted."""
    return load_contracts()
