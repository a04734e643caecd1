"""At most eight modules touch a placement (issue 17): the path's modules, listed.

A module *touches* a placement when the placement's code imports it: starting from the
placement request's module (:mod:`gigawatt.broker.http.placement`: the parser the route
shares with the ASGI shortcut, and the shortcut itself), following every ``import`` of a
``gigawatt.broker`` module (read from the source, anywhere in the module), for one
database (the other database's store is never used). The traversal stops at the
broker's *vocabulary*: modules that declare data, schemas and settings, or hold shared
helpers every route uses, listed below with what they hold. The test fails when the path
grows past eight modules, or when a vocabulary module starts importing a path module
(its code would then be on the path without being counted).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gigawatt

ROOT = Path(gigawatt.__file__).parent.parent
ENTRY = "gigawatt.broker.http.placement"
VOCABULARY = {
    "gigawatt.broker.catalog": "the scenario's offers and capacities, as data",
    "gigawatt.broker.context": "the process's state and Principal (a dataclass)",
    "gigawatt.broker.errors": "the exceptions",
    "gigawatt.broker.health": "the database's up/down state, logged once",
    "gigawatt.broker.hours": "hour slots and their ISO forms",
    "gigawatt.broker.http.body": "a JSON body into a strict model",
    "gigawatt.broker.http.headers": "the singleton headers of any request",
    "gigawatt.broker.metrics": "the Prometheus counters",
    "gigawatt.broker.models": "the request and answer schemas",
    "gigawatt.broker.settings": "the settings",
    "gigawatt.broker.tables": "the schema",
    "gigawatt.broker.tokencache": "token -> principal cache",
}
OTHER_STORE = {
    "postgresql": "gigawatt.broker.stores.sqlite",
    "sqlite": "gigawatt.broker.stores.postgresql",
}
PATH = {
    "gigawatt.broker.http.placement",  # parse, submit, and the ASGI shortcut
    "gigawatt.broker.auth",  # token -> principal
    "gigawatt.broker.admission",  # team limits
    "gigawatt.broker.committer",  # queue, window of two, tickets, settle
    "gigawatt.broker.placing",  # place_batch: snapshot + ops -> writes (pure)
    "gigawatt.broker.decide",  # the contract rules for one request (pure)
    "gigawatt.broker.db",  # connections, transactions, retries
}


def _source(module: str) -> Path | None:
    base = ROOT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _imports(module: str) -> set[str]:
    """The ``gigawatt.broker`` modules a module imports (anywhere in its source)."""
    path = _source(module)
    assert path is not None, module
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            names = [n if _source(n) else node.module for n in names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        out |= {n for n in names if n.startswith("gigawatt.broker.")}
    return out


def path_of(dialect: str) -> set[str]:
    """The modules a placement on this database touches (see the module)."""
    seen: set[str] = set()
    todo = [ENTRY]
    while todo:
        module = todo.pop()
        if module in seen or module in VOCABULARY or module == OTHER_STORE[dialect]:
            continue
        seen.add(module)
        todo += sorted(_imports(module))
    return seen


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_at_most_eight_modules_touch_a_placement(dialect: str) -> None:
    modules = path_of(dialect)
    store = f"gigawatt.broker.stores.{dialect}"
    assert modules == PATH | {store}, sorted(modules)  # the list, named
    assert len(modules) <= 8


def test_the_vocabulary_imports_no_module_of_the_path() -> None:
    path = path_of("postgresql") | path_of("sqlite")
    for module in VOCABULARY:
        # context names Database and TeamLimits (types and the process's limits)
        allowed = {"gigawatt.broker.db", "gigawatt.broker.admission"}
        leaks = _imports(module) & path - (allowed if module.endswith(".context") else set())
        assert not leaks, f"{module} imports {sorted(leaks)} of the placement path"
