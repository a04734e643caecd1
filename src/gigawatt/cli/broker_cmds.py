"""Broker commands: ``gigawatt serve`` and the client ``gigawatt broker place|list|offers``.

``gigawatt broker token ...`` lives in :mod:`gigawatt.cli.token_cmds`.
The broker's libraries (FastAPI, SQLAlchemy, httpx) load only when a command runs.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gigawatt.cli.app import guarded
from gigawatt.cli.broker_client import DEFAULT_URL, JsonOpt, TokenOpt, UrlOpt, ask, json_wanted
from gigawatt.cli.output import console, print_json, say, table
from gigawatt.cli.serve_notice import local_url, start_notice, token_hint
from gigawatt.errors import GigawattError

if TYPE_CHECKING:
    from gigawatt.broker.client import BrokerClient

__all__ = ["register"]

broker_app = typer.Typer(
    help="Talk to a running broker (URL and token from --url/--token or "
    "GIGAWATT_BROKER_URL/GIGAWATT_TOKEN).",
    no_args_is_help=True,
)


@guarded
def serve_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file or built-in name.")],
    db: Annotated[
        str, typer.Option("--db", help="sqlite:///FILE (default) or postgresql://...")
    ] = "sqlite:///gigawatt-broker.db",
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Server processes.")] = 1,
    offer_deadline_seconds: Annotated[
        float, typer.Option("--offer-deadline-seconds", help="Time to answer a ROFR offer.")
    ] = 3600.0,
    pool_size: Annotated[
        int, typer.Option("--pool-size", help="Database connections per process.")
    ] = 32,
    sqlite_synchronous: Annotated[
        str, typer.Option("--sqlite-synchronous", help="NORMAL or FULL (power-loss safe).")
    ] = "NORMAL",
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "warning",
    plan_dir: Annotated[
        str | None,
        typer.Option("--plan", help="Plan folder (gigawatt plan --out DIR) for the dashboard."),
    ] = None,
    team_placements_per_second: Annotated[
        float,
        typer.Option(
            "--team-placements-per-second",
            help="Placement requests per second per team (429 above; 0: no limit).",
        ),
    ] = 500.0,
    team_accelerator_hours_in_flight: Annotated[
        float,
        typer.Option(
            "--team-accelerator-hours-in-flight",
            help="Accelerator-hours a team may have waiting or running (429 above; 0: none).",
        ),
    ] = 10_000_000.0,
    max_batch_hours: Annotated[
        int,
        typer.Option(
            "--max-batch-hours",
            help="Hour slots one batch touches at most (bounds the wait behind large ones).",
        ),
    ] = 2 * 8784,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Treat this RFC 3339 hour as the present (replaying a past scenario, tests): "
            "placements may not start before it. Default: the clock.",
        ),
    ] = None,
    batches_in_flight: Annotated[
        int,
        typer.Option(
            "--batches-in-flight",
            min=1,
            max=2,
            help="PostgreSQL: 2 lets the next batch decide while one commits (the server "
            "then needs the database alone); 1 lets several servers share it.",
        ),
    ] = 2,
    tune: Annotated[
        bool,
        typer.Option(
            "--tune",
            help="Tune this process while it serves (0.2 ms thread switch interval, "
            "start-up objects frozen out of the garbage collector, young-generation "
            "threshold 10,000); undone on exit.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Serve the broker API and its dashboard at / (admin token from GIGAWATT_ADMIN_TOKEN)."""
    from gigawatt.broker.server import serve
    from gigawatt.broker.settings import ADMIN_TOKEN_ENV, BrokerSettings

    if plan_dir is not None:
        from gigawatt.broker.web.plan import check_plan_dir

        plan_dir = check_plan_dir(plan_dir)
    if as_json:
        print_json(
            {
                "status": "starting",
                "url": f"http://{host}:{port}",
                "scenario": scenario,
                "plan": plan_dir,
            }
        )
    else:
        url = local_url(host, port)
        say(f"gigawatt broker for {scenario}: starting at {url}")
        has_admin = bool(os.environ.get(ADMIN_TOKEN_ENV))
        say(token_hint(url, admin_token_set=has_admin, admin_env=ADMIN_TOKEN_ENV))
        start_notice(url, lambda message: say(message))
    settings = BrokerSettings(
        scenario=scenario,
        db_url=db,
        offer_deadline_seconds=offer_deadline_seconds,
        pool_size=pool_size,
        sqlite_synchronous=sqlite_synchronous,
        plan_dir=plan_dir,
        team_placements_per_second=team_placements_per_second,
        team_accelerator_hours_in_flight=team_accelerator_hours_in_flight,
        max_batch_hours=max_batch_hours,
        batches_in_flight=batches_in_flight,
        now=now,
    )
    serve(
        settings.resolved(),
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        tune=tune,
    )


_INSTANT = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?Z")


def hour_text(text: str) -> str:
    """Every RFC 3339 UTC instant in ``text`` as ``2026-01-01 00:00`` (wraps at the space)."""
    return _INSTANT.sub(r"\1 \2", text)


def _what(p: dict[str, Any]) -> str:
    count = p.get("count")
    accelerator = p.get("accelerator") or ""
    return f"{count:,} {accelerator}".strip() if count is not None else accelerator


def _why(p: dict[str, Any]) -> str:
    reason = p.get("reason") or ""
    clause = f"(clause: {p['clause']})" if p.get("clause") else ""
    return hour_text(f"{reason} {clause}".strip())


def _placement_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            p["id"],
            p["status"],
            p.get("site") or "",
            _what(p),
            hour_text(f"{p['start']} .. {p['end']}"),
            _why(p),
        ]
        for p in rows
    ]


#: Placement tables: times in UTC; the clause that decided follows the reason.
PLACEMENT_COLUMNS = ["id", "status", "site", "accelerators", "when (UTC)", "reason"]


@guarded
def place_command(
    ctx: typer.Context,
    start: Annotated[
        str, typer.Option("--start", help="ISO 8601 UTC hour, e.g. 2026-01-01T00:00:00Z")
    ],
    end: Annotated[str, typer.Option("--end", help="ISO 8601 UTC hour (exclusive).")],
    accelerator: Annotated[
        str | None, typer.Option("--accelerator", help="Accelerator type.")
    ] = None,
    count: Annotated[int | None, typer.Option("--count", help="Accelerators.")] = None,
    flops: Annotated[float | None, typer.Option("--flops", help="FLOP/s instead of count.")] = None,
    tags: Annotated[str, typer.Option("--tags", help="Comma-separated workload tags.")] = "",
    single_site: Annotated[bool, typer.Option("--single-site/--any-site")] = True,
    key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Reuse to retry safely.")
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the broker for a placement."""

    def show(result: dict[str, Any]) -> None:
        console.print(table("Placement", PLACEMENT_COLUMNS, _placement_rows([result])))
        if result.get("offer_id"):
            console.print(
                f"offer {result['offer_id']} to the counterparty "
                f"until {result.get('offer_deadline')}"
            )

    result = ask(
        ctx,
        url,
        token,
        as_json,
        lambda c: c.place(
            start=start,
            end=end,
            accelerator=accelerator,
            count=count,
            flops=flops,
            tags=[t for t in tags.split(",") if t],
            single_site=single_site,
            idempotency_key=key,
        ),
        show,
    )
    if result.get("status") == "rejected":
        # docs/decisions.md: a placement the broker rejected is a failure of the run (1);
        # the JSON answer already carries the reason.
        if json_wanted(ctx, as_json):
            raise typer.Exit(1)
        raise GigawattError(f"placement rejected: {result.get('reason') or 'no reason given'}")


@guarded
def list_command(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most rows.")] = 100,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the placements this token may see."""
    ask(
        ctx,
        url,
        token,
        as_json,
        lambda c: c.placements(status=status, site=site, limit=limit),
        lambda rows: console.print(table("Placements", PLACEMENT_COLUMNS, _placement_rows(rows))),
        key="placements",
    )


@guarded
def offers_command(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="e.g. pending.")] = None,
    accept: Annotated[int | None, typer.Option("--accept", help="Accept this offer id.")] = None,
    decline: Annotated[int | None, typer.Option("--decline", help="Decline this offer id.")] = None,
    url: UrlOpt = DEFAULT_URL,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List right-of-first-refusal offers, or answer one (provider tokens)."""
    if accept is not None and decline is not None:
        raise typer.BadParameter("give --accept or --decline, not both")
    oid = accept if accept is not None else decline

    def request(c: BrokerClient) -> list[dict[str, Any]]:
        if oid is not None:
            return [c.answer(oid, accept is not None)]
        return c.offers(status=status)

    def show(rows: list[dict[str, Any]]) -> None:
        console.print(
            table(
                "Offers",
                [
                    "id",
                    "placement",
                    "provider",
                    "site",
                    "count",
                    "when (UTC)",
                    "status",
                    "deadline (UTC)",
                ],
                [
                    [
                        o["id"],
                        o["placement_id"],
                        o["provider"],
                        o["site"],
                        o["count"],
                        hour_text(f"{o['start']} .. {o['end']}"),
                        o["status"],
                        hour_text(str(o["deadline"])),
                    ]
                    for o in rows
                ],
            )
        )

    ask(ctx, url, token, as_json, request, show, key="offers")


@broker_app.callback()
def broker_group(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Client commands for a running broker; --json here applies to every subcommand."""
    ctx.obj = {"json": as_json}


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``broker place|list|offers|token`` to the application."""
    from gigawatt.cli.token_cmds import token_app

    app.command("serve")(serve_command)
    broker_app.add_typer(token_app, name="token")
    broker_app.command("place")(place_command)
    broker_app.command("list")(list_command)
    broker_app.command("offers")(offers_command)
    app.add_typer(broker_app, name="broker")
