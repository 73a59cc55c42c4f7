"""The `hostolink` command.

    hostolink serve [--port N] [--workers N]   migrate, seed, serve the API (default port 3000)
    hostolink migrate [--revision R] [--check]  upgrade the schema and write reference data
                                                (or check models = migrations)
    hostolink seed                              write reference data (idempotent)
    hostolink create-admin --identifier X       make an administrator
    hostolink outbox [--to IDENTIFIER]          what the development sender "sent" (OTPs…)
    hostolink openapi [--output FILE]           the OpenAPI document
    hostolink postman                           regenerate docs/postman/
    hostolink merise [--check]                  regenerate the generated MERISE documents
    hostolink architecture [--check]            regenerate the layer diagram of docs/architecture.md
    hostolink ledger verify                     check the ledger's invariants (exit 1 if not)

Every command works on the embedded database of the data folder when DATABASE_URL is unset,
including while `serve` runs in another terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hostolink.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from hostolink.kit.identifiers import Identifier

T = TypeVar("T")
logger = logging.getLogger("hostolink.cli")
ROOT = Path.cwd()
# Builds the app without touching any database: the engine connects lazily.
OFFLINE_URL = "postgresql+asyncpg://hostolink@localhost/hostolink"


class Refused(Exception):
    """A command refuses its input: `main` prints the French reason and exits with 2."""


def _identifier(raw: str) -> Identifier:
    from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier

    try:
        return parse_identifier(raw)
    except InvalidIdentifier as exc:
        raise Refused(str(exc)) from exc


def _database_url(settings: Settings) -> str:
    from hostolink.db import resolve_database_url

    return resolve_database_url(settings)


def _engine(url: str) -> AsyncEngine:
    """The one connection of a command (migrations have their own, in migrations/env.py):
    the CLI's share of the server's connections stays at one per command running."""
    from hostolink.db import create_engine

    return create_engine(url, pool_size=1, pooler=get_settings().db_pooler, name="cli")


async def _with_session(url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    engine = _engine(url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False).begin() as session:
            return await work(session)
    finally:
        await engine.dispose()


def cmd_migrate(args: argparse.Namespace) -> int:
    from hostolink import migrate

    url = _database_url(get_settings())
    if args.check:
        migrate.check(url)
        print("Les modèles et les migrations concordent.")
        return 0
    migrate.upgrade(url, args.revision)
    print(f"Base de données migrée ({args.revision}).")
    if args.revision == "head":
        # The reference data belongs with the schema: both are written once per deploy,
        # before any instance serves (Render's preDeployCommand), never by the instances.
        done = _seed(url)
        print("Données de référence à jour : " + ", ".join(done) + ".")
    return 0


def _seed(url: str) -> list[str]:
    from hostolink.health.opendata.seed import seed_directory
    from hostolink.seed import seed_reference_data

    done = asyncio.run(_with_session(url, seed_reference_data))
    # Apart from the reference data: the tests re-seed that before every test, the
    # directory (3,600 source rows) only where a test needs it.
    return done + asyncio.run(_with_session(url, seed_directory))


def cmd_seed(_: argparse.Namespace) -> int:
    done = _seed(_database_url(get_settings()))
    print("Données de référence à jour : " + ", ".join(done) + ".")
    return 0


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def cmd_worker(args: argparse.Namespace) -> int:
    """The job worker alone (webhooks, reconciliation), for a deployment that runs it apart
    from the API processes (set HOSTOLINK_WORKER=false on those)."""
    from hostolink.app import create_app

    settings = get_settings()
    app = create_app(settings, database_url=_database_url(settings))
    worker = app.state.worker

    async def run() -> None:
        try:
            if args.once:
                await worker.drain()
                await worker.run_periodic(force=True)
                return
            # SIGTERM (a deploy): stop claiming, give the jobs in flight the drain, hand
            # back the others at once — rather than cancel everything and leave their
            # leases to expire.
            stopping = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stopping.set)
            worker.start()
            logger.info("job worker started (pid %s): SIGTERM drains and stops", os.getpid())
            await stopping.wait()
            await worker.stop()
            logger.info("job worker stopped")
        finally:
            await app.state.db.dispose()

    asyncio.run(run())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from hostolink.metrics import multiprocess

    settings = get_settings()
    workers = args.workers or settings.workers
    # First, before anything imports prometheus_client (the database module does): it reads
    # PROMETHEUS_MULTIPROC_DIR once, at import. The workers inherit the directory.
    multiprocess.prepare(workers)

    from hostolink import migrate, server
    from hostolink.app import RESOLVED_URL_ENV

    url = _database_url(settings)
    if settings.is_production:
        # Several instances start at once and a failed migration must fail the deploy, not
        # crash-loop every worker: production migrates in `hostolink migrate` (Render's
        # preDeployCommand) and only checks here that it was done.
        problem = migrate.pending(url)
        if problem is not None:
            raise Refused(problem)
    else:
        migrate.upgrade(url)
        _seed(url)
    os.environ[RESOLVED_URL_ENV] = url
    port = args.port or settings.port
    os.environ["WEB_CONCURRENCY"] = str(workers)  # each worker sizes its hashing threads on it
    where = "base embarquée" if not settings.database_url else "DATABASE_URL"
    print(
        f"Hostolink écoute sur http://localhost:{port} ({where}, {workers} processus). "
        f"Documentation : http://localhost:{port}/docs",
        flush=True,
    )
    # Render and Docker stop with SIGTERM. After its graceful shutdown uvicorn re-raises the
    # signal; with the default handler Python would die before the `atexit` hook that stops
    # the embedded PostgreSQL. Exiting normally lets that hook run.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    served = server.run(args.host, port, workers, drain_seconds=settings.shutdown_drain_seconds)
    return 0 if served else 1


def cmd_create_admin(args: argparse.Namespace) -> int:
    from hostolink.admin.accounts import create_admin

    identifier = _identifier(args.identifier)
    password = os.environ.get("HOSTOLINK_ADMIN_PASSWORD") or getpass.getpass("Mot de passe : ")
    settings = get_settings()
    url = _database_url(settings)

    async def work(session: Any) -> str:
        return await create_admin(
            session,
            settings=settings,
            identifier=identifier,
            password=password,
            super_admin=args.super,
            nom=args.nom,
            prenom=args.prenom,
        )

    try:
        outcome = asyncio.run(_with_session(url, work))
    except ValueError as exc:  # create_admin refuses the password
        raise Refused(str(exc)) from exc
    print(outcome)
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from hostolink.messaging.outbox import format_outbox, read_outbox

    to = _identifier(args.to).value if args.to else None
    url = _database_url(get_settings())

    async def work(session: Any) -> str:
        return format_outbox(await read_outbox(session, to=to, limit=args.limit))

    print(asyncio.run(_with_session(url, work)))
    return 0


def _openapi() -> dict[str, Any]:
    from hostolink.app import create_app

    return create_app(database_url=OFFLINE_URL).openapi()


def openapi_text() -> str:
    """The OpenAPI document as `hostolink openapi` writes it (and docs/openapi.json holds)."""
    return json.dumps(_openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def cmd_openapi(args: argparse.Namespace) -> int:
    document = openapi_text()
    if args.output:
        Path(args.output).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)
    return 0


@contextmanager
def _development_tool() -> Iterator[None]:
    """The development commands import hostolink_devtools, which only a clone of the
    repository has: the installed wheel (production) answers in French instead of a traceback."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if exc.name != "hostolink_devtools":
            raise
        raise Refused("outil de développement : lancez-le depuis un clone du dépôt") from exc


def cmd_postman(args: argparse.Namespace) -> int:
    with _development_tool():
        from hostolink_devtools.postman.builder import write_files

    for path in write_files(_openapi(), Path(args.output)):
        print(f"écrit : {path}")
    return 0


def cmd_architecture(args: argparse.Namespace) -> int:
    with _development_tool():
        from hostolink_devtools.architecture import DOCUMENT, run

    if run(check=args.check):
        return 0
    print(f"{DOCUMENT} : le diagramme des couches a changé ; lancez `hostolink architecture`.")
    return 1


def cmd_merise(args: argparse.Namespace) -> int:
    with _development_tool():
        from hostolink_devtools.merise import run_merise

    return asyncio.run(
        run_merise(_database_url(get_settings()), Path(args.output), check=args.check)
    )


def cmd_ledger_verify(_: argparse.Namespace) -> int:
    from sqlalchemy import text

    from hostolink.wallet.verify import verify

    url = _database_url(get_settings())

    async def work() -> bool:
        engine = _engine(url)
        try:
            async with engine.connect() as connection:
                # Asked, not guessed from an error: any other failure (a pooler's, a
                # permission) must show with its own message.
                migrated = await connection.scalar(
                    text("SELECT to_regclass('public.compte') IS NOT NULL")
                )
                if not migrated:  # no tables yet: nothing was ever served here
                    raise Refused(
                        "la base n'a pas encore de schéma : lancez `hostolink migrate` "
                        "(ou `hostolink serve`)."
                    )
                await connection.rollback()  # verify sets its own snapshot, first thing
                report = await verify(connection)
        finally:
            await engine.dispose()
        for line in report.lines():
            print(line)
        return report.ok

    return 0 if asyncio.run(work()) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hostolink", description="Hostolink : back end santé et paiements."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="servir l'API (hors production : migrer et semer d'abord)")
    serve.add_argument("--port", type=int, default=None, help="port (défaut : $PORT ou 3000)")
    serve.add_argument(
        "--host",
        default=os.environ.get("HOST", "0.0.0.0"),  # noqa: S104
        help="adresse d'écoute (défaut : toutes)",
    )
    serve.add_argument(
        "--workers", type=int, default=None, help="processus API (défaut : $WEB_CONCURRENCY ou 1)"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser(
        "migrate", help="mettre le schéma à jour et écrire les données de référence"
    )
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--check", action="store_true", help="vérifier modèles = migrations")
    migrate.set_defaults(func=cmd_migrate)

    sub.add_parser("seed", help="écrire les données de référence").set_defaults(func=cmd_seed)

    worker = sub.add_parser("worker", help="tâches de fond seules (notifications, réconciliation)")
    worker.add_argument("--once", action="store_true", help="traiter ce qui est dû, puis sortir")
    worker.set_defaults(func=cmd_worker)

    admin = sub.add_parser("create-admin", help="créer ou promouvoir un administrateur")
    admin.add_argument("--identifier", required=True, help="e-mail ou téléphone")
    admin.add_argument("--super", action="store_true", help="super-administrateur")
    admin.add_argument("--nom", default=None)
    admin.add_argument("--prenom", default=None)
    admin.set_defaults(func=cmd_create_admin)

    outbox = sub.add_parser("outbox", help="messages envoyés par l'expéditeur de développement")
    outbox.add_argument("--to", default=None, help="filtrer par destinataire")
    outbox.add_argument("--limit", type=int, default=20)
    outbox.set_defaults(func=cmd_outbox)

    openapi = sub.add_parser("openapi", help="document OpenAPI")
    openapi.add_argument("--output", default=None)
    openapi.set_defaults(func=cmd_openapi)

    postman = sub.add_parser("postman", help="régénérer la collection Postman")
    postman.add_argument("--output", default=str(ROOT / "docs" / "postman"))
    postman.set_defaults(func=cmd_postman)

    architecture = sub.add_parser(
        "architecture", help="régénérer le diagramme des couches de docs/architecture.md"
    )
    architecture.add_argument(
        "--check", action="store_true", help="échouer si le diagramme a changé"
    )
    architecture.set_defaults(func=cmd_architecture)

    merise = sub.add_parser("merise", help="régénérer les documents MERISE générés")
    merise.add_argument("--output", default=str(ROOT / "docs" / "merise"))
    merise.add_argument("--check", action="store_true", help="échouer si les documents dérivent")
    merise.set_defaults(func=cmd_merise)

    ledger = sub.add_parser("ledger", help="grand livre")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    ledger_sub.add_parser(
        "verify", help="vérifier les invariants du grand livre (code 1 en cas d'écart)"
    ).set_defaults(func=cmd_ledger_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except Refused as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return result
