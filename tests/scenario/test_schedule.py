"""Property tests: schedules and month arithmetic against slow reference definitions.

The references follow docs/decisions.md literally:

* A number is constant over the horizon.
* A mapping ``{YYYY-MM: v, ...}`` is a step function; before its first key the value is 0.
* ``growth_per_year: g`` compounds monthly after the last key:
  ``v(m) = v_last * g ** ((m - m_last) / 12)``; ``g`` must be > 0.
* A month has its calendar hours.
"""

from __future__ import annotations

import calendar
import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gigawatt.scenario import Month, Timeline, parse_month, parse_schedule
from gigawatt.scenario.schedule import ScheduleKeyError

settings.register_profile("gigawatt", max_examples=200, deadline=None)
settings.load_profile("gigawatt")

# --- strategies ------------------------------------------------------------------------

years = st.integers(min_value=1900, max_value=2200)
month_numbers = st.integers(min_value=1, max_value=12)
months = st.builds(Month.of, years, month_numbers)
any_months = st.builds(Month.of, st.integers(1, 9999), month_numbers)
values = st.floats(min_value=0.0, max_value=1e30, allow_nan=False, allow_infinity=False)
growths = st.one_of(st.just(1.0), st.floats(min_value=0.01, max_value=20.0, allow_nan=False))


@st.composite
def schedule_mappings(draw: st.DrawFn) -> dict[str, float]:
    """A schedule as written in YAML: month keys (any order) and maybe growth_per_year."""
    base = draw(st.integers(2000 * 12, 2100 * 12))
    offsets = draw(st.lists(st.integers(0, 240), min_size=1, max_size=8, unique=True))
    keys = [Month(base + o) for o in offsets]
    out: dict[str, float] = {str(k): draw(values) for k in keys}
    g = draw(growths)
    if g != 1.0 or draw(st.booleans()):
        out["growth_per_year"] = g
    items = list(out.items())
    order = draw(st.permutations(range(len(items))))
    return {items[i][0]: items[i][1] for i in order}


def reference_value(mapping: dict[str, float] | float, month: Month) -> float:
    """Slow, literal reference of decisions.md."""
    if not isinstance(mapping, dict):
        return float(mapping)
    g = float(mapping.get("growth_per_year", 1.0))
    steps = sorted(
        ((_ref_month(k), float(v)) for k, v in mapping.items() if k != "growth_per_year"),
        key=lambda kv: (kv[0][0], kv[0][1]),
    )
    target = (month.year, month.month)
    current = None
    for (y, mo), v in steps:
        if (y, mo) <= target:
            current = ((y, mo), v)
    if current is None:
        return 0.0
    (ly, lm), last_v = steps[-1]
    if current[0] == (ly, lm):
        elapsed = (target[0] - ly) * 12 + (target[1] - lm)
        return float(last_v * g ** (elapsed / 12))
    return current[1]


def _ref_month(text: str) -> tuple[int, int]:
    y, mo = text.split("-")
    return int(y), int(mo)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-250)


# --- Schedule.at -----------------------------------------------------------------------


@given(mapping=schedule_mappings(), month=st.builds(Month, st.integers(1990 * 12, 2130 * 12)))
def test_at_matches_reference(mapping: dict[str, float], month: Month) -> None:
    s = parse_schedule(mapping)
    assert close(s.at(month), reference_value(mapping, month))


@given(value=values, month=any_months)
def test_constant_schedule(value: float, month: Month) -> None:
    s = parse_schedule(value)
    assert s.is_constant
    assert s.at(month) == value
    whole = int(value)
    assert parse_schedule(whole).at(month) == float(whole)


@given(mapping=schedule_mappings())
def test_zero_before_first_key(mapping: dict[str, float]) -> None:
    s = parse_schedule(mapping)
    first = min(parse_month(k) for k in mapping if k != "growth_per_year")
    assert s.at(first + (-1)) == 0.0
    assert s.at(first + (-100)) == 0.0


@given(mapping=schedule_mappings())
def test_step_holds_until_next_key(mapping: dict[str, float]) -> None:
    s = parse_schedule(mapping)
    steps = sorted((parse_month(k), v) for k, v in mapping.items() if k != "growth_per_year")
    for (k, v), (k_next, _) in itertools.pairwise(steps):
        assert s.at(k) == v
        assert s.at(k_next + (-1)) == v


# --- Schedule.values (vectorised) ------------------------------------------------------


@given(
    mapping=st.one_of(schedule_mappings(), values),
    start=st.builds(Month, st.integers(1990 * 12, 2130 * 12)),
    n=st.integers(1, 400),
)
def test_values_match_at_and_reference(
    mapping: dict[str, float] | float, start: Month, n: int
) -> None:
    s = parse_schedule(mapping)
    tl = Timeline(start, n)
    vec = s.values(tl)
    assert isinstance(vec, np.ndarray)
    assert vec.shape == (n,)
    assert vec.dtype == np.float64
    for i, month in enumerate(tl.months):
        assert close(float(vec[i]), s.at(month)), (i, month)
        assert close(float(vec[i]), reference_value(mapping, month)), (i, month)


# --- growth ----------------------------------------------------------------------------


@given(
    v=st.floats(min_value=1e-6, max_value=1e20),
    g=st.floats(min_value=0.05, max_value=20.0),
    last=months,
    years_after=st.integers(0, 20),
)
def test_growth_is_a_factor_per_year(v: float, g: float, last: Month, years_after: int) -> None:
    s = parse_schedule({str(last): v, "growth_per_year": g})
    assert s.at(last + 12 * years_after) == pytest.approx(v * g**years_after, rel=1e-9)


@given(
    v=st.floats(min_value=1e-6, max_value=1e20),
    g=st.floats(min_value=0.05, max_value=20.0),
    last=months,
    a=st.integers(0, 120),
    b=st.integers(0, 120),
)
def test_growth_compounds_monthly(v: float, g: float, last: Month, a: int, b: int) -> None:
    """f(a + b) / v == f(a) / v * f(b) / v: monthly compounding, no jumps."""
    s = parse_schedule({str(last): v, "growth_per_year": g})
    fa, fb, fab = s.at(last + a) / v, s.at(last + b) / v, s.at(last + a + b) / v
    assert fab == pytest.approx(fa * fb, rel=1e-9)
    assert s.at(last + 1) == pytest.approx(v * g ** (1 / 12), rel=1e-12)


@given(mapping=schedule_mappings())
def test_growth_only_after_last_key(mapping: dict[str, float]) -> None:
    s = parse_schedule(mapping)
    steps = sorted((parse_month(k), v) for k, v in mapping.items() if k != "growth_per_year")
    for k, v in steps:
        assert s.at(k) == v  # every stated month is exact, growth or not


@given(g=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False))
def test_growth_must_be_positive(g: float) -> None:
    with pytest.raises(ScheduleKeyError) as info:
        parse_schedule({"2025-01": 1.0, "growth_per_year": g})
    assert info.value.key == "growth_per_year"


# --- parsing, round trip, scaling ------------------------------------------------------


@given(mapping=schedule_mappings())
def test_to_yaml_round_trip(mapping: dict[str, float]) -> None:
    s = parse_schedule(mapping)
    again = parse_schedule(s.to_yaml())
    assert again == s
    for k in mapping:
        if k != "growth_per_year":
            assert again.at(parse_month(k)) == mapping[k]


@given(mapping=schedule_mappings(), factor=st.floats(min_value=0.0, max_value=1e6))
def test_scaled(mapping: dict[str, float], factor: float) -> None:
    s = parse_schedule(mapping)
    tl = Timeline(Month.of(2000, 1), 400)
    # Below the smallest normal float (2.2e-308) values are subnormal and carry fewer
    # significant bits, so a relative tolerance cannot hold there: absolute, at that size.
    np.testing.assert_allclose(
        s.scaled(factor).values(tl),
        s.values(tl) * factor,
        rtol=1e-12,
        atol=np.finfo(float).tiny,
    )


@given(mapping=schedule_mappings())
def test_key_order_does_not_matter(mapping: dict[str, float]) -> None:
    forward = parse_schedule(mapping)
    backward = parse_schedule(dict(reversed(list(mapping.items()))))
    assert forward == backward


@given(v=st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False))
def test_negative_values_rejected(v: float) -> None:
    with pytest.raises(ValueError):
        parse_schedule(v)
    with pytest.raises(ScheduleKeyError) as info:
        parse_schedule({"2025-01": 1.0, "2026-01": v})
    assert info.value.key == "2026-01"


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), "lots", True, None, [1, 2], {}, {"growth_per_year": 2}]
)
def test_bad_schedules_rejected(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_schedule(raw)


@pytest.mark.parametrize("key", ["2025-13", "2025-00", "2025-1", "2025-01-15", "jan", "25-01"])
def test_bad_schedule_keys_carry_the_key(key: str) -> None:
    with pytest.raises(ScheduleKeyError) as info:
        parse_schedule({key: 1.0})
    assert info.value.key == key


# --- months ----------------------------------------------------------------------------


@given(y=st.integers(1, 9999), mo=month_numbers)
def test_month_fields_and_str(y: int, mo: int) -> None:
    m = Month.of(y, mo)
    assert (m.year, m.month) == (y, mo)
    assert str(m) == f"{y:04d}-{mo:02d}"
    assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(m))


@given(m=any_months)
def test_parse_month_round_trip(m: Month) -> None:
    assert parse_month(str(m)) == m
    assert str(parse_month(str(m))) == str(m)


@given(y=st.integers(1, 9999), mo=month_numbers)
def test_parse_month_of_text(y: int, mo: int) -> None:
    text = f"{y:04d}-{mo:02d}"
    assert str(parse_month(text)) == text


@given(text=st.one_of(st.text(max_size=12), st.from_regex(r"\A\s?\d{4}-\d{2}\s?\Z")))
def test_parse_month_accepts_only_yyyy_mm(text: str) -> None:
    """Whatever parse_month accepts prints back as the (trimmed) text: YYYY-MM only."""
    try:
        m = parse_month(text)
    except ValueError:
        return
    assert str(m) == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "2025-13",
        "2025-00",
        "2025-1",
        "2025-01-15",
        "202501",
        "25-01",
        "",
        "2025/01",
        "\uff12\uff10\uff12\uff15-\uff10\uff11",  # full-width digits
        "\u0662\u0660\u0662\u0665-\u0660\u0661",  # Arabic-Indic digits
    ],
)
def test_parse_month_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_month(text)


@pytest.mark.parametrize("value", [202501, 2025.01, None, True])
def test_parse_month_rejects_non_text(value: object) -> None:
    with pytest.raises(ValueError):
        parse_month(value)


@given(y=st.integers(1, 9999), mo=st.integers().filter(lambda x: not 1 <= x <= 12))
def test_month_of_rejects_bad_month_number(y: int, mo: int) -> None:
    with pytest.raises(ValueError):
        Month.of(y, mo)


@given(m=months, k=st.integers(-2400, 2400))
def test_month_addition(m: Month, k: int) -> None:
    n = m + k
    assert n - m == k
    # calendar arithmetic, done the slow way
    y, mo = m.year, m.month
    step = 1 if k >= 0 else -1
    for _ in range(abs(k)):
        mo += step
        if mo == 13:
            y, mo = y + 1, 1
        elif mo == 0:
            y, mo = y - 1, 12
    assert (n.year, n.month) == (y, mo)


@given(m=months, a=st.integers(-500, 500), b=st.integers(-500, 500))
def test_month_addition_associates(m: Month, a: int, b: int) -> None:
    assert (m + a) + b == m + (a + b)
    assert m + 0 == m


@given(m=months)
def test_month_plus_twelve_is_next_year(m: Month) -> None:
    n = m + 12
    assert (n.year, n.month) == (m.year + 1, m.month)


@given(a=months, b=months)
def test_month_subtraction(a: Month, b: Month) -> None:
    assert a - b == (a.year - b.year) * 12 + (a.month - b.month)
    assert b + (a - b) == a
    assert a - b == -(b - a)


@given(m=months, k=st.integers(-1000, 1000))
def test_month_minus_int(m: Month, k: int) -> None:
    """``m - k`` is the month k months earlier, or a TypeError — never an AttributeError."""
    try:
        result = m - k  # type: ignore[operator]
    except TypeError:
        return
    assert result == m + (-k)


@given(a=months, b=months)
def test_month_ordering(a: Month, b: Month) -> None:
    key_a, key_b = (a.year, a.month), (b.year, b.month)
    assert (a < b) == (key_a < key_b)
    assert (a <= b) == (key_a <= key_b)
    assert (a == b) == (key_a == key_b)
    assert (a > b) == (key_a > key_b)
    assert (hash(a) == hash(b)) or a != b
    assert sorted([a, b]) == sorted([a, b], key=lambda x: (x.year, x.month))
    assert (str(a) < str(b)) == (a < b)  # YYYY-MM sorts as text too


@given(m=any_months)
def test_month_hours(m: Month) -> None:
    assert m.hours == calendar.monthrange(m.year, m.month)[1] * 24


def test_known_hours() -> None:
    assert Month.of(2025, 1).hours == 744
    assert Month.of(2025, 2).hours == 672
    assert Month.of(2024, 2).hours == 696
    assert Month.of(2100, 2).hours == 672
    assert Month.of(2000, 2).hours == 696
    assert Month.of(2025, 4).hours == 720


# --- timeline --------------------------------------------------------------------------


@given(start=months, n=st.integers(1, 600))
def test_timeline(start: Month, n: int) -> None:
    tl = Timeline(start, n)
    assert tl.end == start + (n - 1)
    assert len(tl.months) == n and tl.months[0] == start and tl.months[-1] == tl.end
    assert tl.labels == [str(x) for x in tl.months]
    np.testing.assert_array_equal(tl.hours, [x.hours for x in tl.months])
    assert tl.hours.sum() == sum(calendar.monthrange(x.year, x.month)[1] * 24 for x in tl.months)
    assert tl.contains(start) and tl.contains(tl.end)
    assert not tl.contains(start + (-1)) and not tl.contains(tl.end + 1)
    assert all(tl.index(x) == i for i, x in enumerate(tl.months))


@given(
    start=months,
    n=st.integers(1, 200),
    first=st.one_of(st.none(), st.integers(-50, 250)),
    last=st.one_of(st.none(), st.integers(-50, 250)),
)
def test_timeline_mask(start: Month, n: int, first: int | None, last: int | None) -> None:
    tl = Timeline(start, n)
    f = None if first is None else start + first
    la = None if last is None else start + last
    mask = tl.mask(f, la)
    expected = [(f is None or x >= f) and (la is None or x <= la) for x in tl.months]
    assert mask.tolist() == expected


@given(rate=st.floats(min_value=0.0, max_value=1.0), n=st.integers(1, 200))
def test_discount(rate: float, n: int) -> None:
    tl = Timeline(Month.of(2025, 1), n)
    d = tl.discount(rate)
    expected = [(1 + rate) ** (-i / 12) for i in range(n)]
    np.testing.assert_allclose(d, expected, rtol=1e-12)
    assert d[0] == 1.0
    assume(n > 12)
    assert d[12] == pytest.approx(1 / (1 + rate))
