"""The broker's web dashboard, served by ``gigawatt serve`` at ``/`` (see docs/dashboard.md)."""

from __future__ import annotations

from gigawatt.broker.web.routes import install_web

__all__ = ["install_web"]
