"""The package surface: ``__all__`` is honest, and importing gigawatt has no side effects."""

from __future__ import annotations
import __future__

import importlib
import json
import subprocess
import sys
import textwrap
import types

import pytest

PACKAGES = ["gigawatt", "gigawatt.scenario", "gigawatt.plan", "gigawatt.forecast"]


def _public_attributes(module: types.ModuleType) -> set[str]:
    """Public names bound in the package ``__init__`` that are not modules."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and not isinstance(value, __future__._Feature)
    }


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_defined(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    assert isinstance(module.__all__, list | tuple)
    assert all(isinstance(n, str) for n in module.__all__)
    assert len(module.__all__) == len(set(module.__all__)), "duplicates in __all__"


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", []) if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_is_in_all(name: str) -> None:
    module = importlib.import_module(name)
    extra = sorted(_public_attributes(module) - set(getattr(module, "__all__", [])))
    assert extra == [], f"{name} binds public names missing from __all__: {extra}"


@pytest.mark.parametrize("name", PACKAGES)
def test_star_import(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    exported = {k for k in namespace if k != "__builtins__"}
    assert exported == set(getattr(importlib.import_module(name), "__all__", exported))


# --- importing has no side effects -----------------------------------------------------

IMPORTS = "import gigawatt, gigawatt.scenario, gigawatt.plan, gigawatt.forecast, gigawatt.cli"

PROBE = textwrap.dedent(
    """
    import json, os, socket, sys, threading

    def tasks():
        return sorted(os.listdir("/proc/self/task"))

    def children():
        kids = []
        for t in tasks():
            try:
                with open(f"/proc/self/task/{t}/children") as fh:
                    kids += fh.read().split()
            except OSError:
                pass
        return kids

    def sockets():
        out = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:"):
                out.append(target)
        return out

    attempts = []

    def refuse(name):
        def blocked(self, *args, **kwargs):
            attempts.append((name, repr(args)[:200]))
            raise OSError(f"gigawatt import test: socket.{name} is not allowed")
        return blocked

    for name in ("connect", "connect_ex", "bind", "listen", "sendto"):
        setattr(socket.socket, name, refuse(name))
    real_getaddrinfo = socket.getaddrinfo

    def no_dns(*args, **kwargs):
        attempts.append(("getaddrinfo", repr(args)[:200]))
        raise OSError("gigawatt import test: DNS is not allowed")

    socket.getaddrinfo = no_dns

    PREIMPORT = PREIMPORT_PLACEHOLDER
    for mod in PREIMPORT:
        try:
            __import__(mod)
        except ImportError:  # e.g. cython_runtime: in sys.modules, not importable
            pass

    before = {
        "py_threads": sorted(t.name for t in threading.enumerate()),
        "os_threads": len(tasks()),
        "children": children(),
        "sockets": sockets(),
    }
    IMPORTS_PLACEHOLDER
    after = {
        "py_threads": sorted(t.name for t in threading.enumerate()),
        "os_threads": len(tasks()),
        "children": children(),
        "sockets": sockets(),
    }
    thread_names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in tasks()]
    print(json.dumps({"before": before, "after": after, "attempts": attempts,
                      "thread_names": thread_names,
                      "modules": sorted(sys.modules)}))
    """
)


def _probe(preimport: list[str]) -> dict[str, object]:
    code = PROBE.replace("PREIMPORT_PLACEHOLDER", repr(preimport)).replace(
        "IMPORTS_PLACEHOLDER", IMPORTS
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def cold() -> dict[str, object]:
    """Import gigawatt in a fresh interpreter with nothing imported before."""
    return _probe([])


def test_import_starts_no_python_thread(cold: dict[str, object]) -> None:
    before, after = cold["before"], cold["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert after["py_threads"] == before["py_threads"] == ["MainThread"]


def test_import_starts_no_child_process(cold: dict[str, object]) -> None:
    after = cold["after"]
    assert isinstance(after, dict)
    assert after["children"] == []


def test_import_opens_no_socket(cold: dict[str, object]) -> None:
    before, after = cold["before"], cold["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    attempts = cold["attempts"]
    assert isinstance(attempts, list)
    # urllib3 (imported by linopy's dependencies) probes IPv6 support by binding a socket
    # to ::1 port 0 and closing it: a capability check on loopback, no traffic. Anything
    # else (a connect, a DNS lookup, a bind elsewhere, a socket left open) fails.
    ipv6_probe = ["bind", "(('::1', 0),)"]
    assert [a for a in attempts if a != ipv6_probe] == []
    assert after["sockets"] == before["sockets"]


def test_gigawatt_itself_starts_no_os_thread(cold: dict[str, object]) -> None:
    """No OS thread beyond what the third-party libraries start on import.

    numpy/scipy (OpenBLAS), pyarrow (jemalloc) and polars start native worker threads when
    imported; that is theirs. Importing every third-party module gigawatt pulls in first,
    the gigawatt import itself must then add no thread at all.
    """
    modules = cold["modules"]
    assert isinstance(modules, list)
    third_party = [
        m
        for m in modules
        if m.split(".")[0] != "gigawatt"
        and not m.startswith("_")
        and m.split(".")[0] not in sys.stdlib_module_names
    ]
    warm = _probe(third_party)
    before, after = warm["before"], warm["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    assert after["os_threads"] == before["os_threads"], warm["thread_names"]
    assert after["children"] == []


def test_bare_import_is_light() -> None:
    """``import gigawatt`` alone (its docstring: heavy parts load on first use) loads no
    planner, forecast or numerical library, and starts no OS thread at all."""
    code = textwrap.dedent(
        """
        import json, os, sys
        n = len(os.listdir("/proc/self/task"))
        import gigawatt
        print(json.dumps({"threads": len(os.listdir("/proc/self/task")) - n,
                          "modules": sorted(sys.modules)}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["threads"] == 0
    heavy = {"gigawatt.plan", "gigawatt.forecast", "linopy", "highspy", "pandas", "scipy", "numpy"}
    assert heavy.isdisjoint(data["modules"]), sorted(heavy & set(data["modules"]))


def test_lazy_exports_resolve() -> None:
    import gigawatt

    assert gigawatt.load_scenario is importlib.import_module("gigawatt.scenario").load_scenario
    assert gigawatt.plan_scenario is importlib.import_module("gigawatt.plan").plan
    assert isinstance(gigawatt.__version__, str)
    with pytest.raises(AttributeError):
        gigawatt.no_such_name  # noqa: B018
