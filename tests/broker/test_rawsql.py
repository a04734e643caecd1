"""Array literals of the pipelined statements read back as the same values by PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from gigawatt.broker.pgtemp import TempPostgres
from gigawatt.broker.stores.postgresql import pg_array

pytestmark = [pytest.mark.service]

AWKWARD = ["", "a", 'say "hi"', "back\\slash", "a,b", "{x}", " spaced ", "NULL", "é✓", '\\"', "'"]


def test_text_and_int_arrays_round_trip(pg: TempPostgres) -> None:
    url = f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres"
    with psycopg.connect(url) as conn:
        texts = conn.execute("SELECT %s::text[]", (pg_array(AWKWARD),)).fetchone()
        ints = conn.execute("SELECT %s::int[]", (pg_array([0, -3, 2**31 - 1]),)).fetchone()
        empty = conn.execute("SELECT %s::int[]", (pg_array([]),)).fetchone()
    assert texts is not None and texts[0] == AWKWARD
    assert ints is not None and ints[0] == [0, -3, 2**31 - 1]
    assert empty is not None and empty[0] == []
