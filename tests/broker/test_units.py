"""Pure parts of the broker: hours, catalog capacities and prices, decisions."""

from __future__ import annotations

import subprocess
import sys

import pytest
from broker_support import SCENARIO

from gigawatt.broker.catalog import Catalog
from gigawatt.broker.decide import Request, decide, options
from gigawatt.broker.hours import hour_of, iso_hour
from gigawatt.scenario import load_scenario


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_scenario(load_scenario(SCENARIO))


def test_hours_round_trip() -> None:
    h = hour_of("2026-01-01T00:00:00Z")
    assert iso_hour(h) == "2026-01-01T00:00:00Z" and hour_of("2026-01-01T01:00:00+00:00") == h + 1
    for bad in ("2026-01-01T00:00:01Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00+02:00", "x"):
        with pytest.raises(ValueError):
            hour_of(bad)


def test_capacities_prices_and_power(catalog: Catalog) -> None:
    by_key = {o.ref.key: o for o in catalog.offers}
    assert by_key["azure-east/1"].capacity == (40, 60, 60)
    assert by_key["abilene/0"].power_resource is not None
    assert catalog.power_capacity[by_key["abilene/0"].power_resource] == (210_000,) * 3
    assert by_key["oci-phoenix/0"].power_resource is None
    # build: opex 0.2 + 30000 / (60 x 730.5) + 2.1 kW x 50 $/MWh
    assert by_key["abilene/0"].price_usd_per_hour == pytest.approx(
        0.2 + 30000 / (60 * 730.5) + 2100 / 1e6 * 50
    )
    segs = catalog.segments(catalog.month_bounds[1] - 2, catalog.month_bounds[1] + 3)
    assert [(s.month_index, s.end_hour - s.start_hour) for s in segs] == [(0, 2), (1, 3)]


def test_builtin_scenario_catalog() -> None:
    cat = Catalog.from_scenario(load_scenario("frontier-lab-2025"))
    assert len(cat.offers) >= 5 and cat.rofr and cat.fingerprint()


def _req(catalog: Catalog, **kw: object) -> Request:
    base = dict(
        tags=(),
        accelerator="GB200",
        count=10,
        flops=None,
        utilization=0.35,
        start_hour=catalog.first_hour,
        end_hour=catalog.first_hour + 2,
        single_site=True,
    )
    base.update(kw)
    return Request(**base)  # type: ignore[arg-type]


def test_decide_rofr_and_pin(catalog: Catalog) -> None:
    req = _req(catalog, tags=("frontier",))
    opts = options(catalog, req, frozenset())
    every = {c.offer.resource for c in opts.allowed}
    d = decide(catalog, req, opts, every)
    assert d.status == "offered" and d.offer_to and d.offer_to.offer.site == "azure-east"
    assert d.main and d.main.offer.site == "abilene"
    azure = {c.offer.resource for c in opts.allowed if c.offer.provider == "azure"}
    d = decide(catalog, req, opts, every - azure)
    assert d.status == "placed" and d.clause and d.clause.type == "right_of_first_refusal"
    pinned = _req(catalog, tags=("api",))
    opts = options(catalog, pinned, frozenset())
    assert {c.offer.provider for c in opts.allowed} == {"azure"}
    assert decide(catalog, pinned, opts, every).clause.type == "pin"  # type: ignore[union-attr]
    assert decide(catalog, pinned, opts, set()).status == "rejected"


def test_importing_gigawatt_loads_no_web_or_database_library() -> None:
    code = (
        "import sys, gigawatt, gigawatt.cli, gigawatt.cli.broker_cmds, gigawatt.broker; "
        "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'httpx', 'uvicorn') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_database_urls() -> None:
    from gigawatt.broker.db import normalize_url

    assert normalize_url("postgresql://u@127.0.0.1/db") == "postgresql+psycopg://u@127.0.0.1/db"
    assert normalize_url("broker.db") == "sqlite:///broker.db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
