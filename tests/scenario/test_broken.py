"""Broken scenarios: every error is located (file, line, column, key path) and says what to do.

Each case is the design's full example (``design_example.yaml``) with ONE edit. The
expected locations are what a user would look for in the edited file: the line and
column of the offending key (1-based) and the dotted key path of the design
(``sites.abilene.offers[0].usd_per_hour``). ``action`` is a piece of text that must
appear in the message or the hint, telling the user how to fix the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from gigawatt.errors import Problem, ScenarioError
from gigawatt.scenario import parse_scenario

DESIGN = (Path(__file__).parent / "design_example.yaml").read_text(encoding="utf-8")
FILE = "broken.yaml"


@dataclass(frozen=True)
class Case:
    id: str
    old: str
    new: str
    line: int | None
    column: int | None
    key_path: str
    message: str  # substring of the message
    action: str  # substring of message + " " + hint: what to do

    def text(self) -> str:
        assert DESIGN.count(self.old) == 1, f"{self.id}: edit target must be unique: {self.old!r}"
        return DESIGN.replace(self.old, self.new)


# fmt: off
CASES = [
    # --- unknown keys (typos) -------------------------------------------------------------
    Case("typo-site-key", "    pue: 1.2", "    peu: 1.2",
         18, 5, "sites.azure-east.peu", "unknown key 'peu'", "did you mean `pue`?"),
    Case("typo-offer-key", "usd_per_hour: 2.4", "usd_per_hr: 2.4",
         22, 48, "sites.azure-east.offers[0].usd_per_hr", "unknown key 'usd_per_hr'",
         "did you mean `usd_per_hour`?"),
    Case("typo-finance-key", "  cash_usd: 1.0e10", "  cash: 1.0e10",
         61, 3, "finance.cash", "unknown key 'cash'", "did you mean `cash_usd`?"),
    Case("typo-clause-key", "{type: revenue_share, percent: 20,",
         "{type: revenue_share, percnt: 20,",
         53, 31, "contracts[0].clauses[2].percnt", "unknown key 'percnt'",
         "did you mean `percent`?"),
    Case("unknown-top-level-key", "discount_rate: 0.08 ", "owner: research\ndiscount_rate: 0.08 ",
         3, 1, "owner", "unknown key 'owner'", "horizon"),
    # --- wrong types ----------------------------------------------------------------------
    Case("wrong-type-number", "flop: 3.0e27", "flop: lots",
         41, 5, "workloads[1].flop", "expected a number", "number"),
    Case("wrong-type-int", "months: 72", "months: many",
         2, 27, "horizon.months", "whole number", "whole number"),
    Case("wrong-type-bool", "single_site: true", "single_site: maybe",
         44, 5, "workloads[1].single_site", "true or false", "true or false"),
    Case("wrong-type-list", "tags: [api]\n    demand", "tags: api\n    demand",
         35, 5, "workloads[0].tags", "expected a list", "list"),
    Case("wrong-type-schedule", "power_mw: 1500", "power_mw: lots",
         17, 5, "sites.azure-east.power_mw", "must be a number", "number"),
    Case("wrong-type-schedule-value", "available: {2025-01: 300000}",
         "available: {2025-01: many}",
         23, 55, "sites.azure-east.offers[0].available.2025-01", "must be a number", "number"),
    Case("bad-name", "name: frontier-lab-2025", "name: frontier lab 2025",
         1, 1, "name", "not a valid name", "letters, digits"),
    # --- references -----------------------------------------------------------------------
    Case("unknown-provider", "    provider: stargate", "    provider: stargat",
         25, 5, "sites.abilene.provider", "unknown provider 'stargat'",
         "did you mean `stargate`?"),
    Case("unknown-accelerator-offer", "{accelerator: GB200, pricing: build",
         "{accelerator: GB300, pricing: build",
         28, 10, "sites.abilene.offers[0].accelerator", "unknown accelerator 'GB300'",
         "did you mean `GB200`?"),
    Case("unknown-accelerator-workload", "accelerators: [GB200]", "accelerators: [B200]",
         45, 20, "workloads[1].accelerators[0]", "unknown accelerator 'B200'", "GB200"),
    Case("unknown-counterparty", "counterparty: oci", "counterparty: oracle",
         56, 5, "contracts[1].counterparty", "unknown provider 'oracle'", "providers"),
    # --- windows --------------------------------------------------------------------------
    Case("training-window-outside-horizon", "window: [2026-01, 2026-09]",
         "window: [2030-06, 2031-03]",
         42, 5, "workloads[1].window", "not inside the horizon", "horizon"),
    Case("training-window-reversed", "window: [2026-01, 2026-09]", "window: [2026-09, 2026-01]",
         42, 5, "workloads[1].window", "before it starts", "[first, last]"),
    Case("training-window-one-month", "window: [2026-01, 2026-09]", "window: [2026-01]",
         42, 5, "workloads[1].window", "", "[YYYY-MM, YYYY-MM]"),
    Case("clause-window-outside-horizon", "from: 2027-01, until: 2031-12",
         "from: 2032-01, until: 2033-12",
         58, 40, "contracts[1].clauses[0].from", "wholly outside the horizon",
         "move the window"),
    Case("clause-window-reversed", "from: 2025-11, until: 2030-12",
         "from: 2030-12, until: 2025-11",
         54, 55, "contracts[0].clauses[3].until", "before from", "swap"),
    # --- bounds ---------------------------------------------------------------------------
    Case("negative-price", "usd_per_hour: 2.4", "usd_per_hour: -2.4",
         22, 48, "sites.azure-east.offers[0].usd_per_hour", "must be >= 0", "negative"),
    Case("negative-capex", "capex_usd: 65000", "capex_usd: -65000",
         28, 46, "sites.abilene.offers[0].capex_usd", "must be >= 0", "negative"),
    Case("negative-capacity-schedule", "available: {2025-01: 300000}",
         "available: {2025-01: -300000}",
         23, 55, "sites.azure-east.offers[0].available.2025-01", "-300000", "must be >= 0"),
    Case("negative-power-schedule", "power_mw: {2025-01: 200, 2026-06: 1200}",
         "power_mw: {2025-01: 200, 2026-06: -1200}",
         26, 30, "sites.abilene.power_mw.2026-06", "-1200", "must be >= 0"),
    Case("percent-over-100", "percent: 20", "percent: 120",
         53, 31, "contracts[0].clauses[2].percent", "120", "<= 100"),
    Case("utilization-over-1", "utilization: 0.35", "utilization: 1.5",
         37, 5, "workloads[0].utilization", "1.5", "<= 1"),
    Case("pue-below-1", "pue: 1.2", "pue: 0.9",
         18, 5, "sites.azure-east.pue", "0.9", ">= 1"),
    Case("term-zero", "term_months: 12", "term_months: 0",
         23, 10, "sites.azure-east.offers[0].term_months", "0", ">= 1"),
    Case("growth-zero", "growth_per_year: 2.5}", "growth_per_year: 0}",
         36, 37, "workloads[0].demand_flops.growth_per_year", "growth_per_year", "> 0"),
    Case("growth-negative", "growth_per_year: 1.5}", "growth_per_year: -1}",
         62, 46, "finance.other_opex_usd_per_month.growth_per_year", "-1", "> 0"),
    # --- months ---------------------------------------------------------------------------
    Case("bad-month-13", "available: {2025-01: 300000}", "available: {2025-13: 300000}",
         23, 55, "sites.azure-east.offers[0].available.2025-13", "2025-13", "01..12"),
    Case("date-instead-of-month", "available_from: 2025-06", "available_from: 2025-01-15",
         7, 53, "accelerators.GB200.available_from", "2025-01-15", "YYYY-MM"),
    Case("date-as-schedule-key", "available: {2025-01: 300000}",
         "available: {2025-01-15: 300000}",
         23, 55, "sites.azure-east.offers[0].available.2025-01-15", "2025-01-15", "YYYY-MM"),
    Case("date-in-funding", "funding: [{month: 2025-03,", "funding: [{month: 2025-03-01,",
         63, 14, "finance.funding[0].month", "2025-03-01", "YYYY-MM"),
    Case("date-in-window", "window: [2026-01, 2026-09]", "window: [2026-01, 2026-09-30]",
         42, 23, "workloads[1].window[1]", "2026-09-30", "YYYY-MM"),
    # --- duplicates -----------------------------------------------------------------------
    Case("duplicate-workload-name", "  - name: frontier-2026", "  - name: partner-api",
         39, 5, "workloads[1].name", "duplicate name 'partner-api'", "rename"),
    Case("duplicate-site-key", "  abilene:", "  azure-east:",
         24, 3, "sites.azure-east", "azure-east", "rename"),
    Case("duplicate-contract-name", "  - name: oracle-2025", "  - name: microsoft-2025",
         55, 5, "contracts[1].name", "duplicate name 'microsoft-2025'", "rename"),
    # --- tags (discriminators and literals) -----------------------------------------------
    Case("bad-pricing", "pricing: reserved", "pricing: reservd",
         22, 29, "sites.azure-east.offers[0].pricing", "reservd", "did you mean `reserved`?"),
    Case("bad-workload-kind", "kind: training", "kind: train",
         40, 5, "workloads[1].kind", "'train'", "did you mean `training`?"),
    Case("bad-provider-kind", "stargate: {kind: owned}", "stargate: {kind: own}",
         12, 14, "providers.stargate.kind", "'own'", "did you mean `owned`?"),
    Case("bad-clause-type", "{type: pin, tags: [api]}", "{type: pinn, tags: [api]}",
         51, 10, "contracts[0].clauses[0].type", "'pinn'", "did you mean `pin`?"),
    # --- missing keys ---------------------------------------------------------------------
    Case("missing-flop", "    flop: 3.0e27\n", "",
         39, 5, "workloads[1].flop", "missing required key 'flop'", "add `flop:`"),
    Case("missing-peak-flops", "H100:  {peak_flops: 9.89e14, facility_watts: 1400}",
         "H100:  {facility_watts: 1400}",
         6, 3, "accelerators.H100.peak_flops", "missing required key 'peak_flops'",
         "add `peak_flops:`"),
    Case("missing-pricing", "{accelerator: H100, pricing: reserved,", "{accelerator: H100,",
         22, 9, "sites.azure-east.offers[0].pricing", "pricing", "reserved"),
    # --- a value of its own on a product with revenue -------------------------------------
    Case("shortfall-value-with-revenue",
         "    revenue_usd_per_month: {2025-01: 2.5e8, growth_per_year: 2.2}\n",
         "    revenue_usd_per_month: {2025-01: 2.5e8, growth_per_year: 2.2}\n"
         "    shortfall_usd_per_flop: 1.0e-18\n",
         39, 5, "workloads[0].shortfall_usd_per_flop", "has revenue and a shortfall_usd_per_flop",
         "remove shortfall_usd_per_flop"),
    # --- uncertainty ----------------------------------------------------------------------
    Case("uncertainty-unknown-path", "  workloads.partner-api.demand_flops.growth_per_year:",
         "  workloads.partner-apii.demand_flops.growth_per_year:",
         69, 3, "uncertainty.workloads.partner-apii.demand_flops.growth_per_year",
         "partner-apii", "workloads.NAME"),
    Case("uncertainty-path-not-a-number", "  workloads.partner-api.demand_flops.growth_per_year:",
         "  workloads.partner-api.demand_flops:",
         69, 3, "uncertainty.workloads.partner-api.demand_flops", "not a number",
         "point at a number"),
    Case("uncertainty-unknown-distribution", "{lognormal: {p50: 2.5, p90: 4.0}}",
         "{logn: {p50: 2.5, p90: 4.0}}",
         69, 3, "uncertainty.workloads.partner-api.demand_flops.growth_per_year",
         "unknown distribution 'logn'", "lognormal"),
    Case("uncertainty-bad-parameters", "{lognormal: {p50: 2.5, p90: 4.0}}",
         "{lognormal: {p50: 2.5, p90: 2.0}}",
         69, 3, "uncertainty.workloads.partner-api.demand_flops.growth_per_year",
         "p90 > p50", "p90"),
    # --- YAML -----------------------------------------------------------------------------
    Case("yaml-tab-indent", "    pue: 1.2", "\tpue: 1.2",
         18, 1, "", "YAML syntax error", "indentation"),
    Case("yaml-unclosed-flow-mapping", "horizon: {start: 2025-01, months: 72}",
         "horizon: {start: 2025-01, months: 72",
         3, 14, "", "YAML syntax error", "brackets"),
]
# fmt: on


def _errors(text: str, file: str = FILE) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, file)
    problems = info.value.problems
    errors = [p for p in problems if p.severity == "error"]
    assert errors, f"no error among {problems}"
    return errors


def _describe(problems: list[Problem]) -> str:
    return "\n".join(
        f"  {p.location.file}:{p.location.line}:{p.location.column} "
        f"[{p.location.key_path}] {p.message} || {p.hint}"
        for p in problems
    )


def test_case_ids_are_distinct_and_many() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len({c.new for c in CASES}) == len(CASES), "every case is a different edit"
    assert len(CASES) >= 25


def test_design_example_itself_is_valid() -> None:
    parse_scenario(DESIGN, FILE)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file_is_located(case: Case) -> None:
    errors = _errors(case.text())
    matching = [p for p in errors if p.location.key_path == case.key_path]
    assert matching, f"expected an error at key path {case.key_path!r}; got:\n{_describe(errors)}"
    p = matching[0]
    assert p.location.file == FILE
    if case.line is not None:
        assert (p.location.line, p.location.column) == (case.line, case.column), _describe([p])
    assert case.message in p.message, _describe([p])
    assert case.action in f"{p.message} {p.hint}", _describe([p])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_edit_gives_few_errors(case: Case) -> None:
    """One edit must not cascade into a flood of unrelated errors."""
    errors = _errors(case.text())
    assert len(errors) <= 2, _describe(errors)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_error_text_names_file_line_and_path(case: Case) -> None:
    """``str(ScenarioError)`` (what a library user sees) carries file:line:col and the path."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(case.text(), FILE)
    text = str(info.value)
    if case.line is not None:
        assert f"{FILE}:{case.line}:{case.column}" in text
    if case.key_path:
        assert case.key_path in text


# --- whole-document problems -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "[1, 2, 3]\n", "just some text\n", "42\n", "null\n"],
    ids=["empty", "comment-only", "list", "scalar-text", "scalar-number", "null"],
)
def test_not_a_mapping(text: str) -> None:
    errors = _errors(text, "empty.yaml")
    assert len(errors) == 1
    p = errors[0]
    assert p.location.file == "empty.yaml"
    assert (p.location.line, p.location.column) == (1, 1)
    assert p.location.key_path == ""
    assert "mapping" in p.message
    assert "gigawatt init" in p.hint


def test_missing_top_level_keys_are_all_listed() -> None:
    errors = _errors("name: tiny\n", "tiny.yaml")
    missing = {p.location.key_path for p in errors if "missing required key" in p.message}
    assert missing == {"horizon", "accelerators", "providers", "sites", "workloads"}
    for p in errors:
        assert p.location.file == "tiny.yaml"
        assert "add `" in p.hint


def test_duplicate_site_message_is_readable() -> None:
    """The duplicate-key message names the key, without dumping both whole values."""
    (p,) = _errors(DESIGN.replace("  abilene:", "  azure-east:"))
    assert "azure-east" in p.message
    assert len(p.message) < 200, p.message


def test_missing_discriminator_hint_lists_choices() -> None:
    """A missing `pricing` (or `kind`, `type`) says which values are allowed."""
    errors = _errors(
        DESIGN.replace("{accelerator: H100, pricing: reserved,", "{accelerator: H100,")
    )
    (p,) = [e for e in errors if "pricing" in e.message]
    for choice in ("on_demand", "reserved", "build"):
        assert choice in p.hint, p.hint
    errors = _errors(DESIGN.replace("    kind: training\n", ""))
    (p,) = [e for e in errors if "kind" in e.message]
    assert p.location.key_path == "workloads[1].kind"
    for choice in ("inference", "training"):
        assert choice in p.hint, p.hint


# --- several errors at once ------------------------------------------------------------


def test_several_schema_errors_reported_at_once() -> None:
    text = (
        DESIGN.replace("    pue: 1.2", "    peu: 1.2")
        .replace("percent: 20", "percent: 120")
        .replace("utilization: 0.35", "utilization: 1.5")
        .replace("available_from: 2025-06", "available_from: 2025-06-15")
        .replace("kind: training", "kind: train")
    )
    errors = _errors(text)
    paths = {p.location.key_path for p in errors}
    assert {
        "sites.azure-east.peu",
        "contracts[0].clauses[2].percent",
        "workloads[0].utilization",
        "accelerators.GB200.available_from",
        "workloads[1].kind",
    } <= paths, _describe(errors)


def test_several_reference_errors_reported_at_once() -> None:
    text = (
        DESIGN.replace("    provider: stargate", "    provider: stargat")
        .replace("counterparty: oci", "counterparty: oracle")
        .replace("window: [2026-01, 2026-09]", "window: [2026-09, 2026-01]")
        .replace("  - name: oracle-2025", "  - name: microsoft-2025")
        .replace("accelerators: [GB200]", "accelerators: [B200]")
    )
    errors = _errors(text)
    paths = {p.location.key_path for p in errors}
    assert {
        "sites.abilene.provider",
        "contracts[1].counterparty",
        "workloads[1].window",
        "contracts[1].name",
        "workloads[1].accelerators[0]",
    } <= paths, _describe(errors)


def test_schema_error_does_not_hide_reference_errors() -> None:
    """Design: every problem at once — a typo elsewhere must not hide an unknown name."""
    text = (
        DESIGN.replace("    pue: 1.2", "    peu: 1.2")
        .replace("    provider: stargate", "    provider: stargat")
        .replace("counterparty: oci", "counterparty: oracle")
        .replace("{accelerator: GB200, pricing: build", "{accelerator: GB300, pricing: build")
        .replace("accelerators: [GB200]", "accelerators: [B200]")
    )
    errors = _errors(text)
    paths = {p.location.key_path for p in errors}
    assert {
        "sites.azure-east.peu",
        "sites.abilene.provider",
        "contracts[1].counterparty",
        "sites.abilene.offers[0].accelerator",
        "workloads[1].accelerators[0]",
    } <= paths, _describe(errors)


def test_schema_error_does_not_hide_window_or_duplicate_errors() -> None:
    """Design: every problem at once — a typo elsewhere must not hide a reversed window."""
    text = (
        DESIGN.replace("    pue: 1.2", "    peu: 1.2")
        .replace("window: [2026-01, 2026-09]", "window: [2026-09, 2026-01]")
        .replace("  - name: oracle-2025", "  - name: microsoft-2025")
    )
    errors = _errors(text)
    paths = {p.location.key_path for p in errors}
    assert {
        "sites.azure-east.peu",
        "workloads[1].window",
        "contracts[1].name",
    } <= paths, _describe(errors)


def test_problems_are_serialisable() -> None:
    errors = _errors(DESIGN.replace("    pue: 1.2", "    peu: 1.2"))
    d = errors[0].to_dict()
    assert d == {
        "file": FILE,
        "line": 18,
        "column": 5,
        "key_path": "sites.azure-east.peu",
        "message": "unknown key 'peu'",
        "hint": "did you mean `pue`?",
        "severity": "error",
    }


def test_scenario_error_exit_code_is_bad_input() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario("", FILE)
    assert info.value.exit_code == 2


def test_load_scenario_missing_file(tmp_path: Path) -> None:
    from gigawatt.scenario import load_scenario

    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(missing)
    (p,) = info.value.problems
    assert p.location.file == str(missing)
    assert "not found" in p.message
    assert "frontier-lab-2025" in p.hint


def test_load_scenario_unknown_builtin() -> None:
    from gigawatt.scenario import load_scenario

    with pytest.raises(ScenarioError) as info:
        load_scenario("no-such-builtin")
    (p,) = info.value.problems
    assert "no-such-builtin" in p.message
    assert "built-ins are" in p.hint


def test_load_scenario_reports_real_path(tmp_path: Path) -> None:
    from gigawatt.scenario import load_scenario

    path = tmp_path / "mine.yaml"
    path.write_text(DESIGN.replace("    pue: 1.2", "    peu: 1.2"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert (p.location.file, p.location.line, p.location.column) == (str(path), 18, 5)
