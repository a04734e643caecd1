"""Fixtures of the broker tests; they live in ``broker_support`` (a unique module name:
other test folders have a ``conftest`` too, so tests import helpers from there)."""

from broker_support import api, api_factory, db_url, pg, server_factory

__all__ = ["api", "api_factory", "db_url", "pg", "server_factory"]
