"""SkyPilot commands: ``gigawatt skypilot task PLACEMENT`` and ``gigawatt skypilot check``.

``task`` needs no SkyPilot; ``check`` loads it (``pip install 'gigawatt[skypilot]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.output import console, print_json
from gigawatt.errors import GigawattError, MissingExtraError

__all__ = ["register"]

skypilot_app = typer.Typer(
    help="SkyPilot tasks from broker placements, and the scenario's clauses on task files.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="Scenario file or built-in name (default: the built-in)."),
]


@guarded
def task_command(
    ctx: typer.Context,
    placement: Annotated[
        str,
        typer.Argument(help="Placement id on the broker, or a JSON file of one."),
    ],
    scenario: ScenarioOpt = None,
    run: Annotated[str | None, typer.Option("--run", help="Command the task runs.")] = None,
    per_node: Annotated[
        int | None,
        typer.Option("--per-node", help="Accelerators per node (default 4 for GB*/VR*, else 8)."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Task name.")] = None,
    out: Annotated[
        str | None,
        typer.Option("--out", help="File to write (default gigawatt-placement-ID.yaml; - prints)."),
    ] = None,
    url: Annotated[
        str, typer.Option("--url", envvar="GIGAWATT_BROKER_URL", help="Broker base URL.")
    ] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None, typer.Option("--token", envvar="GIGAWATT_TOKEN", help="Bearer token.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the SkyPilot task YAML that runs a placed placement."""
    as_json = _json(ctx, as_json)
    from gigawatt.integrations.skypilot.task import dump_task, load_placement, task_config
    from gigawatt.scenario import load_scenario

    data = load_placement(placement, url=url, token=token)
    config = task_config(load_scenario(scenario), data, run=run, per_node=per_node, name=name)
    text = dump_task(config)
    path = out or f"gigawatt-placement-{data['id']}.yaml"
    if path != "-":
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise GigawattError(f"cannot write {path}: {exc}; pick another --out") from None
    if as_json:
        print_json({"status": "ok", "path": None if path == "-" else path, "task": config})
    elif path == "-":
        typer.echo(text, nl=False)
    else:
        console.print(f"wrote {path}: sky launch {path}", markup=False, soft_wrap=True)


@guarded
def check_command(
    ctx: typer.Context,
    task_file: Annotated[str, typer.Argument(help="SkyPilot task YAML.")],
    scenario: ScenarioOpt = None,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: the current month).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply the scenario's clauses to a task file as the admin policy would (no launch)."""
    as_json = _json(ctx, as_json)
    try:
        from gigawatt.integrations.skypilot.policy import ScenarioPolicy, check_task_file
    except ModuleNotFoundError:
        raise MissingExtraError("SkyPilot", "skypilot") from None
    from gigawatt.scenario import load_scenario
    from gigawatt.scenario.timeline import parse_month

    try:
        when = parse_month(month) if month else ScenarioPolicy.current_month()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--month") from None
    result = check_task_file(task_file, load_scenario(scenario), when)
    if as_json:
        print_json(result)
    else:
        console.print(f"{result['status']} in {result['month']}", markup=False, soft_wrap=True)
        if result["message"]:
            console.print(result["message"], markup=False, soft_wrap=True)
    if result["status"] == "rejected":
        raise typer.Exit(3)


@skypilot_app.callback()
def skypilot_group(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """SkyPilot commands; --json here applies to every subcommand."""
    ctx.obj = {"json": as_json}


def _json(ctx: typer.Context, as_json: bool) -> bool:
    return as_json or bool(isinstance(ctx.obj, dict) and ctx.obj.get("json"))


def register(app: typer.Typer) -> None:
    """Add ``skypilot task|check`` to the application."""
    skypilot_app.command("task")(task_command)
    skypilot_app.command("check")(check_command)
    app.add_typer(skypilot_app, name="skypilot")
