"""The `hostolink` command, run as a real program on its embedded database (issue 2,
« The package and its command line » and « The embedded default »).

Every test runs `<venv>/bin/hostolink` in a subprocess, with `DATABASE_URL` removed from its
environment and a temporary data folder, so each command starts (or joins) the embedded
PostgreSQL of that folder and the last process to exit stops it. The data folder is shared
by the module: the migration runs once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

HOSTOLINK = Path(sys.executable).parent / "hostolink"
_CODE = re.compile(r"\b(\d{6})\b")
# Variables of the developer's or CI's shell that would point the child elsewhere.
_REMOVED = (
    "DATABASE_URL",
    "HOSTOLINK_RESOLVED_DATABASE_URL",
    "HOSTOLINK_DATA_DIR",
    "HOSTOLINK_ENV",
    "JWT_SECRET",
    "REDIS_URL",
    "PORT",
    "HOST",
    "WEB_CONCURRENCY",
    "HOSTOLINK_SMS_SENDER",
    "HOSTOLINK_EMAIL_SENDER",
    "HOSTOLINK_ADMIN_PASSWORD",
    "HOSTOLINK_DB_CONNECTIONS",
    "HOSTOLINK_DB_POOL_SIZE",
    "HOSTOLINK_DB_POOLER",
    "HOSTOLINK_TRUSTED_PROXIES",
    "HOSTOLINK_PROXY_HOPS",
    "HOSTOLINK_MEDIA_STORAGE",
    "CLOUDINARY_URL",
    "SENTRY_DSN",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)
ADMIN_PASSWORD = "Admin-MotDePasse-2024"
USER_PASSWORD = "MonMotDePasse123"


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _REMOVED}
    env.update(
        HOSTOLINK_DATA_DIR=str(data_dir),
        LOG_JSON="false",
        LOG_LEVEL="WARNING",
        # Cheap hashing: these tests are about the command, not about argon2's cost.
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_KIB="1024",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def hostolink(
    data_dir: Path, *args: str, timeout: float = 60, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own program, fixed arguments
        [str(HOSTOLINK), *args],
        cwd=data_dir.parent,
        env=child_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    )
    return result.stdout


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (the `pgserver` user)
        return True
    return True


def postmaster_pid(data_dir: Path) -> int | None:
    """The running embedded server's pid, or None when it is stopped."""
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None
    return pid if _running(pid) else None


def assert_server_stopped(data_dir: Path, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while postmaster_pid(data_dir) is not None:
        assert time.monotonic() < deadline, "the embedded PostgreSQL is still running"
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder with a migrated embedded database (stopped between commands)."""
    folder = tmp_path_factory.mktemp("cli") / "donnees"
    ok(hostolink(folder, "migrate", timeout=90))
    assert (folder / "pgdata" / "PG_VERSION").exists()
    assert_server_stopped(folder)
    yield folder
    # A test that failed may have left the embedded server running: stop the one this
    # module started (its pid, from its own data folder), so nothing outlives the tests.
    leftover = postmaster_pid(folder)
    if leftover is not None:
        os.kill(leftover, signal.SIGINT)  # PostgreSQL's "fast" shutdown
        assert_server_stopped(folder, within=15)


# ------------------------------------------------------------- commands without a database


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = ok(hostolink(tmp_path / "d", "--help", timeout=30))
    for command in ("serve", "migrate", "seed", "create-admin", "outbox", "openapi", "postman"):
        assert command in out
    assert ok(hostolink(tmp_path / "d", "serve", "--help", timeout=30)).count("--port")


def test_openapi_prints_the_document_without_starting_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    document = json.loads(ok(hostolink(folder, "openapi", timeout=60)))
    assert document["openapi"].startswith("3.")
    assert "/api/check-user" in document["paths"]
    assert "/api/register-user" in document["paths"]
    assert not (folder / "pgdata").exists()


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = hostolink(tmp_path / "d", "nimportequoi", timeout=30)
    assert result.returncode == 2
    assert "nimportequoi" in result.stderr


@pytest.mark.parametrize("command", ["create-admin", "outbox"])
def test_invalid_identifier_exits_2_in_french(tmp_path: Path, command: str) -> None:
    flag = "--identifier" if command == "create-admin" else "--to"
    result = hostolink(
        tmp_path / "d", command, flag, "pas-un-numero", timeout=30,
        HOSTOLINK_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Erreur : Numéro de téléphone invalide." in result.stderr
    assert not (tmp_path / "d" / "pgdata").exists(), "rejected before touching the database"


# -------------------------------------------------------------- commands on the database


def test_seed_is_idempotent(data_dir: Path) -> None:
    first = ok(hostolink(data_dir, "seed"))
    second = ok(hostolink(data_dir, "seed"))
    assert "Données de référence à jour" in first
    # The directory reports what it imported the first time, then that nothing changed.
    assert "annuaire : à jour (3 592 lignes sources déjà importées)" in second
    assert first.split("annuaire")[0] == second.split("annuaire")[0]
    assert "migrée" in ok(hostolink(data_dir, "migrate"))  # again: nothing to do, exit 0
    assert_server_stopped(data_dir)


def test_ledger_verify_on_the_embedded_database(data_dir: Path, tmp_path: Path) -> None:
    ok(hostolink(data_dir, "seed"))
    out = ok(hostolink(data_dir, "ledger", "verify"))
    assert "somme de toutes les écritures : 0" in out
    assert "Grand livre cohérent." in out
    never_migrated = hostolink(tmp_path / "vide", "ledger", "verify", timeout=90)
    assert never_migrated.returncode == 2
    assert "hostolink migrate" in never_migrated.stderr
    assert_server_stopped(data_dir)
    assert_server_stopped(tmp_path / "vide")


def test_create_admin_survives_a_restart_of_the_embedded_database(data_dir: Path) -> None:
    created = ok(
        hostolink(
            data_dir,
            "create-admin",
            "--identifier",
            "  Admin@Example.com ",
            HOSTOLINK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        )
    )
    assert "Administrateur créé : admin@example.com" in created
    # The process has exited: it was the last one on the folder, so the server is stopped.
    assert_server_stopped(data_dir, within=0)

    promoted = ok(
        hostolink(
            data_dir,
            "create-admin",
            "--identifier",
            "admin@example.com",
            HOSTOLINK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        )
    )
    assert "Administrateur promu : admin@example.com" in promoted
    user_id = re.search(r"id_user (\d+)", created)
    assert user_id
    assert f"id_user {user_id.group(1)}" in promoted
    assert_server_stopped(data_dir, within=0)


def test_create_admin_refuses_a_short_password(data_dir: Path) -> None:
    result = hostolink(
        data_dir,
        "create-admin",
        "--identifier",
        "court@example.com",
        HOSTOLINK_ADMIN_PASSWORD="court",
    )
    assert result.returncode == 2
    assert "Erreur : le mot de passe doit contenir" in result.stderr
    assert_server_stopped(data_dir)


# ----------------------------------------------------------------------------- serve


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"serve not ready within 90 s:\n{log.read_text()}")


def test_serve_and_the_outbox_share_the_embedded_database(data_dir: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = data_dir.parent / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
            [str(HOSTOLINK), "serve", "--port", str(port), "--host", "127.0.0.1"],
            cwd=data_dir.parent,
            env=child_env(data_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(process, base, log)
        assert f"http://localhost:{port}" in log.read_text()
        server_pid = postmaster_pid(data_dir)
        assert server_pid is not None

        with httpx.Client(base_url=base, timeout=30) as http:
            registered = http.post("/api/register-user", json={"identifier": "07 01 02 03 04"})
            assert registered.status_code == 201, registered.text
            defined = http.post(
                "/api/define-password",
                json={"identifier": "+2250701020304", "password": USER_PASSWORD},
            )
            assert defined.status_code == 200, defined.text

            # Another process on the same folder while serve runs: it joins the server.
            outbox = ok(hostolink(data_dir, "outbox", "--to", "0701020304"))
            assert "SMS pour +2250701020304" in outbox
            match = _CODE.search(outbox)
            assert match, outbox

            # Its exit did not stop the server under serve, and the code is the real one.
            assert postmaster_pid(data_dir) == server_pid
            verified = http.post(
                "/api/verify-otp", json={"identifier": "0701020304", "otpCode": match.group(1)}
            )
            assert verified.status_code == 200, verified.text
            assert verified.json()["token"]

        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    if postmaster_pid(data_dir) is not None:
        time.sleep(5)  # give a slow stop its chance before calling it a leak
    assert postmaster_pid(data_dir) is None, (
        f"serve exited ({status}) on SIGTERM but left the embedded PostgreSQL running"
    )
    assert status == 0, log.read_text()

    # Restarted by a new process, the database still has the user and the message.
    outbox = ok(hostolink(data_dir, "outbox", "--to", "+225 07 01 02 03 04"))
    assert match.group(1) in outbox
    assert_server_stopped(data_dir, within=0)


def test_two_workers_share_the_port_and_stop_together(data_dir: Path) -> None:
    """`serve --workers 2`: each worker binds its own SO_REUSEPORT socket on the same port;
    SIGTERM stops both and then the embedded PostgreSQL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = data_dir.parent / "serve-2.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
            [str(HOSTOLINK), "serve", "--port", str(port), "--host", "127.0.0.1", "--workers", "2"],
            cwd=data_dir.parent,
            env=child_env(data_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(process, base, log)
        workers = [child.pid for child in psutil.Process(process.pid).children()]
        with httpx.Client(base_url=base, timeout=30) as http:
            answers = [
                http.post("/api/check-user", json={"identifier": f"07010203{n:02d}"})
                for n in range(20)
            ]
        assert all(answer.status_code == 200 for answer in answers)
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert status == 0, log.read_text()
    assert len(workers) >= 2, workers
    deadline = time.monotonic() + 10  # multiprocessing's resource tracker exits just after
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in workers)
    if postmaster_pid(data_dir) is not None:
        time.sleep(5)
    assert postmaster_pid(data_dir) is None, "the embedded PostgreSQL outlived serve"


def test_the_worker_alone_stops_cleanly_on_sigterm(data_dir: Path) -> None:
    """`hostolink worker` (a deployment that runs the jobs apart from the API): SIGTERM stops
    claiming, drains, hands back, closes the pools, and exits 0 without a traceback."""
    log = data_dir.parent / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
            [str(HOSTOLINK), "worker"],
            cwd=data_dir.parent,
            env=child_env(data_dir, HOSTOLINK_SHUTDOWN_DRAIN_SECONDS="2", LOG_LEVEL="INFO"),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Running (the embedded database started, the worker claiming): generous deadline,
        # this machine may be busy.
        deadline = time.monotonic() + 180
        while "job worker started" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert status == 0, log.read_text()
    assert "job worker stopped" in log.read_text()
    assert "Traceback" not in log.read_text()
