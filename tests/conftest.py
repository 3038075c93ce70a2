"""Shared fixtures: paths to test content and a knowledge base built from it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.loader import load_or_raise

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small"
TODAY = date(2026, 11, 21)


@pytest.fixture(scope="session")
def small_snapshot():
    return load_or_raise(SMALL)


@pytest.fixture
def small_kb(small_snapshot) -> KnowledgeBase:
    return KnowledgeBase(small_snapshot)
