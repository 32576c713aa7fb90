"""Fixtures shared by the web tests."""

from tests.web.journey import j, journey

__all__ = ["j", "journey"]
