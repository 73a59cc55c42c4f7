"""The layers of docs/architecture.md, read from the code's imports: `kit` ← `models` ←
domains ← application, no import cycle between packages or between modules, every package
placed in a layer, and the document's diagram as the code draws it."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from hostolink_devtools import architecture
from hostolink_devtools.architecture import Graph, read_graph


@pytest.fixture(scope="module")
def graph() -> Graph:
    return read_graph()


def test_every_package_has_its_layer(graph: Graph) -> None:
    assert architecture.unplaced(graph) == []


def test_no_package_imports_a_higher_layer(graph: Graph) -> None:
    assert architecture.upward_imports(graph) == []


def test_no_package_import_cycle(graph: Graph) -> None:
    assert architecture.package_cycles(graph) == []


def test_no_module_import_cycle(graph: Graph) -> None:
    assert architecture.module_cycles(graph) == []


def test_the_documents_diagram_is_the_codes() -> None:
    assert architecture.run(check=True), "lancez `hostolink architecture`"


# The checks themselves, on a small package written for them: each breach is seen.


def _write(root: Path, files: dict[str, str]) -> Path:
    """A `hostolink` package holding `files`, with an empty `__init__.py` in each folder."""
    source = root / "hostolink"
    for name, text in files.items():
        path = source / name
        for folder in [path.parent, *path.parent.parents]:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "__init__.py").touch()
            if folder == source:
                break
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return source


def test_a_cycle_through_a_function_level_import_is_a_package_cycle(tmp_path: Path) -> None:
    source = _write(
        tmp_path,
        {
            "wallet/service.py": "from hostolink.qr import service\n",
            "qr/service.py": """
                def pay() -> None:
                    from hostolink.wallet import service
            """,
        },
    )
    graph = read_graph(source)
    assert architecture.package_cycles(graph) == [["qr", "wallet"]]
    # Python would load both: a function-level import is not a loop at load time.
    assert architecture.module_cycles(graph) == []


def test_a_module_loop_at_load_time_is_seen_and_type_checking_is_not(tmp_path: Path) -> None:
    source = _write(
        tmp_path,
        {
            "health/dataset.py": "from hostolink.health import matching\n",
            "health/matching.py": """
                from typing import TYPE_CHECKING
                from hostolink.health.seed import write
                if TYPE_CHECKING:
                    from hostolink.health.dataset import Row
            """,
            "health/seed.py": "from . import dataset\n",
        },
    )
    assert architecture.module_cycles(read_graph(source)) == [
        ["hostolink.health.dataset", "hostolink.health.matching", "hostolink.health.seed"]
    ]


def test_a_lower_layer_importing_a_domain_and_an_unplaced_package(tmp_path: Path) -> None:
    source = _write(
        tmp_path,
        {
            "kit/pagination.py": "from hostolink.wallet.history import MAX_PAGE\n",
            "wallet/history.py": "MAX_PAGE = 100\n",
            "loyalty/__init__.py": "import hostolink.kit.pagination\n",
        },
    )
    graph = read_graph(source)
    assert architecture.upward_imports(graph) == ["kit → wallet (hostolink.kit.pagination)"]
    assert architecture.unplaced(graph) == ["loyalty"]


# The transaction rule (docs/architecture.md, « La règle des transactions »): a request is one
# transaction, the session of `SessionDep`. These modules, and only these, open transactions
# or connections of their own, each for the reason given; a new one must say why here.
OWN_TRANSACTIONS = {
    "hostolink.db": "the request session itself, and reads outside any request",
    "hostolink.migrate": "migrations run before the application",
    "hostolink.migrations.env": "migrations run before the application",
    "hostolink.cli": "a command is not a request",
    "hostolink.app": "the readiness probe reads outside any request transaction",
    # Not requests: jobs, periodic work, a scrape, a WebSocket, sqladmin's views.
    "hostolink.jobs.worker": "claims and completes jobs",
    "hostolink.jobs.retention": "periodic job",
    "hostolink.wallet.ledger_check": "periodic job",
    "hostolink.account.export.job": "the export job, and its sweep in the retention purge",
    "hostolink.referral.rewards": "a job: the bonus and the job's completion commit together",
    "hostolink.account.sessions.notice": "a job: the new-device notice and its completion",
    "hostolink.metrics.collector": "a scrape",
    "hostolink.discussions.live": "a WebSocket: one short transaction per message",
    "hostolink.support.conversations.live": (
        "a WebSocket: one short transaction per message; live frames read after the commit"
    ),
    "hostolink.backoffice.pages": "sqladmin's views have no SessionDep",
    "hostolink.backoffice.job_desk": "sqladmin's views have no SessionDep",
    "hostolink.backoffice.referral": "sqladmin's views have no SessionDep",
    "hostolink.backoffice.support": "sqladmin's views have no SessionDep",
    "hostolink.backoffice.support_claims": "sqladmin's views have no SessionDep",
    "hostolink.backoffice.support_help": "sqladmin's views have no SessionDep",
    "hostolink.backoffice.session": "sqladmin's sign-in has no SessionDep",
    "hostolink.backoffice.audit": "sqladmin's sessions, each change committed with its audit",
    "hostolink.backoffice.supervision_figures": "sqladmin's views have no SessionDep",
    # A third party is called between two writes: no transaction stays open during the call.
    "hostolink.operations.flow": "a provider is called between writes (M-10)",
    "hostolink.operations.payer_steps": "a provider is called between writes (M-10)",
    "hostolink.notifications.push": "FCM is called between writes",
    "hostolink.providers.sandbox.adapter": "the simulated provider keeps its state apart",
    "hostolink.wallet.notify": "after the response, for a transfer already committed",
    # A write that must outlive the request's rollback (the request answers an error).
    "hostolink.auth.lockout": "failed attempts count even when the answer is 401",
    "hostolink.auth.otp": "a code's attempts count even when the answer is an error",
    "hostolink.auth.refresh_tokens": "a replayed token ends its family despite the 401",
    # Reads only, outside any transaction (autocommit on the read pool, as the caller's).
    "hostolink.health.deps": "the public directory's reads, connected on the first statement",
}
_TRANSACTION_CALLS = {"begin", "commit", "connect", "sessionmaker", "async_sessionmaker"}


def _opens_transactions(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else None
            if isinstance(function, ast.Name):
                name = function.id
            if name in _TRANSACTION_CALLS:
                return True
    return False


def _modules_that(does: Callable[[Path], bool]) -> set[str]:
    """The modules of `hostolink` (migrations aside) whose file `does` something."""
    return {
        module
        for module, path in architecture.modules().items()
        if not module.startswith("hostolink.migrations.versions") and does(path)
    }


def test_only_the_named_modules_open_their_own_transactions() -> None:
    found = _modules_that(_opens_transactions)
    assert sorted(found - OWN_TRANSACTIONS.keys()) == [], "a request is one transaction"
    assert sorted(OWN_TRANSACTIONS.keys() - found) == [], "no longer opens any: remove it"


# `app.state` holds what the application built at start (the database, the settings, the
# services). It is read through the dependencies and accessors of these modules, and only
# here: a route declares what it needs (`SettingsDep`, `OperationsDep`…).
STATE_READERS = {
    "hostolink.app": "builds the state",
    "hostolink.cli": "builds the state for a command",
    "hostolink.db": "DatabaseDep, database_of",
    "hostolink.kit.deps": "SettingsDep, SigningKeyDep, settings_of, signing_key_of",
    "hostolink.auth.deps": "the caller, the auth service, the rate limits",
    "hostolink.qr.deps": "KeyRingDep",
    "hostolink.media.deps": "StorageDep",
    "hostolink.account.export.deps": "StorageDep (the exports' private storage)",
    "hostolink.health.deps": "DirectoryDep",
    "hostolink.operations.deps": "OperationsDep",
    "hostolink.wallet.deps": "NoticesDep, PinCheckDep",
    "hostolink.jobs.deps": "worker_of",
    "hostolink.providers.sandbox.deps": "SandboxDep",
    # State these modules create and keep themselves, lazily.
    "hostolink.discussions.hub": "the rooms' hub (runtime_of)",
    "hostolink.support.conversations.live": "the help desk's hub (support_runtime_of)",
    "hostolink.backoffice.supervision": "the supervision page's figures (supervision_of)",
    "hostolink.backoffice.site": "the back-office, mounted once",
    "hostolink.backoffice.support": "the back-office's own app, for its desk's WebSocket",
    "hostolink.metrics.endpoint": "the metrics exposition, installed once",
}


def _reads_app_state(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "state":
            owner = node.value
            if isinstance(owner, ast.Attribute) and owner.attr == "app":
                return True
            if isinstance(owner, ast.Name) and owner.id in {"app", "application"}:
                return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and "state" in ast.unparse(node.args[0])
        ):
            return True
    return False


def test_only_dependencies_and_accessors_read_the_app_state() -> None:
    found = _modules_that(_reads_app_state)
    assert sorted(found - STATE_READERS.keys()) == [], "declare a dependency instead"
    assert sorted(STATE_READERS.keys() - found) == [], "no longer reads it: remove it"
