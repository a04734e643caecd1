"""Scenario commands: scenarios, init, validate, show, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import console, print_json, print_problems, say, styled, table
from gigawatt.errors import Location, Problem, ScenarioError
from gigawatt.scenario import builtin_names, builtin_text, load_scenario
from gigawatt.scenario.reference import json_schema, reference_rows
from gigawatt.scenario.summary import summarize

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def scenarios(as_json: JsonOpt = False) -> None:
    """List the built-in scenarios."""
    rows = []
    for name in builtin_names():
        first = next(
            (ln.lstrip("# ").strip() for ln in builtin_text(name).splitlines() if ln.strip()), ""
        )
        rows.append({"name": name, "description": first})
    if as_json:
        print_json({"scenarios": rows})
        return
    console.print(
        table(
            "Built-in scenarios",
            ["name", "description"],
            [[r["name"], r["description"]] for r in rows],
        )
    )


@guarded
def init(
    name: Annotated[str, typer.Argument(help="Built-in scenario to copy.")],
    path: Annotated[
        Path | None, typer.Argument(help="Where to write it (default NAME.yaml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Copy a built-in scenario to a file you can edit."""
    text = builtin_text(name)
    target = path or Path(f"{name}.yaml")
    if target.is_dir():
        target = target / f"{name}.yaml"
    if target.exists() and not force:
        raise ScenarioError(
            [
                Problem(
                    Location(str(target), 0, 0, ""),
                    "file exists; not overwritten",
                    "choose another path or pass --force",
                )
            ]
        )
    target.write_text(text, encoding="utf-8")
    if as_json:
        print_json({"written": str(target), "scenario": name})
    else:
        say(f"wrote {target} (from built-in {name})")


@guarded
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or built-in names.")],
    as_json: JsonOpt = False,
) -> None:
    """Check scenario files; report every problem with file, line and key path."""
    results: list[dict[str, Any]] = []
    failed = False
    for f in files:
        try:
            s = load_scenario(f)
            problems = s.warnings
            ok = True
        except ScenarioError as exc:
            problems = exc.problems
            ok = False
            failed = True
        results.append({"file": f, "valid": ok, "problems": [p.to_dict() for p in problems]})
        if not as_json:
            print_problems(problems)
            if ok:
                n_warn = len(problems)
                suffix = f" ({n_warn} warning(s))" if n_warn else ""
                say(styled("ok", "green"), f" {f}{suffix}")
            else:
                n = sum(p.severity == "error" for p in problems)
                say(styled("invalid", "red"), f" {f}: {n} error(s)", err=True)
    if as_json:
        print_json({"valid": not failed, "files": results})
    if failed:
        raise typer.Exit(2)


@guarded
def show(
    file: Annotated[str | None, typer.Argument(help="Scenario file or built-in name.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Summarise a scenario (the default scenario when FILE is omitted)."""
    s = load_scenario(file)
    data = summarize(s)
    if as_json:
        print_json(data)
        return
    h = data["horizon"]
    say(
        styled(data["name"], "bold"),
        f"  {h['start']}..{h['end']} ({h['months']} months), "
        f"discount {data['discount_rate']:.0%}/yr",
    )
    console.print(table("Providers", ["provider", "kind"], data["providers"].items()))
    console.print(
        table(
            "Sites",
            ["site", "provider", "kind", "max MW", "PUE", "offers"],
            [
                [
                    x["name"],
                    x["provider"],
                    x["kind"],
                    x["max_power_mw"],
                    x["pue"],
                    ", ".join(f"{o['accelerator']} {o['pricing']}" for o in x["offers"]),
                ]
                for x in data["sites"]
            ],
        )
    )
    years = sorted({r["year"] for r in data["capacity_by_year"]})
    providers = list(data["providers"])
    grid: dict[tuple[int, str], dict[str, float]] = {
        (r["year"], r["provider"]): r for r in data["capacity_by_year"]
    }
    console.print(
        table(
            "Installable capacity at year end: accelerators (thousands) / MW",
            ["year", *providers],
            [
                [
                    str(y),
                    *[
                        f"{grid[(y, p)]['accelerators'] / 1e3:,.0f}k / {grid[(y, p)]['mw']:,.0f}"
                        if (y, p) in grid
                        else ""
                        for p in providers
                    ],
                ]
                for y in years
            ],
        )
    )
    console.print(
        table(
            "Workloads",
            ["name", "kind", "tags", "size", "when"],
            [
                [
                    w["name"],
                    w["kind"],
                    ", ".join(w["tags"]),
                    f"{w['flop']:.2g} FLOP"
                    if w["kind"] == "training"
                    else f"{w['demand_flops_first']:.2g} -> {w['demand_flops_last']:.2g} FLOP/s",
                    "..".join(w["window"]) if w["kind"] == "training" else "every month",
                ]
                for w in data["workloads"]
            ],
        )
    )
    rows = []
    for c in data["contracts"]:
        for cl in c["clauses"]:
            detail = ""
            if "percent" in cl:
                detail = f"{cl['percent']:g}%"
            if "usd" in cl:
                detail = f"${cl['usd'] / 1e9:,.1f}B"
            rows.append(
                [
                    c["name"],
                    c["counterparty"],
                    cl["type"],
                    ", ".join(cl["tags"] or ["all"]),
                    detail,
                    "..".join(cl.get("window", [])),
                ]
            )
    console.print(
        table("Contracts", ["contract", "counterparty", "clause", "tags", "terms", "window"], rows)
    )
    print_problems(s.warnings)


def schema(as_json: JsonOpt = False) -> None:
    """Print the scenario reference (or its JSON Schema with --json)."""
    if as_json:
        print_json(json_schema())
        return
    say(styled("Scenario format", "bold"), " (units live in key names)\n")
    for r in reference_rows():
        facts = [r.type, "required" if r.required else f"default {r.default}"]
        if r.unit:
            facts.append(r.unit)
        say(styled(r.path, "bold"), f"  ({', '.join(facts)})")
        console.print(f"    {r.description}")


def register(app: typer.Typer) -> None:
    """Add the scenario commands to the application."""
    app.command()(scenarios)
    app.command()(init)
    app.command()(validate)
    app.command()(show)
    app.command()(schema)
