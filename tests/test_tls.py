"""DATABASE_URL with `sslmode=require` really talks TLS (as to Supabase).

A throwaway PostgreSQL from the embedded wheel's binaries, listening on loopback with TLS on
and a self-signed certificate made by `openssl` for this test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from hostolink.db import create_engine

# The embedded wheel's PostgreSQL is built without SSL; a system installation (Debian's
# packages here, and on CI) has it.
_SYSTEM_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
BIN = _SYSTEM_BINARIES[0].parent if _SYSTEM_BINARIES else None
pytestmark = pytest.mark.skipif(
    BIN is None or shutil.which("openssl") is None,
    reason="needs PostgreSQL server binaries built with SSL and openssl (not on this machine)",
)


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: run it as the system `postgres` user.
    if os.geteuid() == 0:
        return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def tls_server() -> Iterator[int]:
    assert BIN is not None
    # Not pytest's tmp_path: its parent is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="hostolink-tls-"))
    root.chmod(0o777)
    data, cert, key = root / "data", root / "server.crt", root / "server.key"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    request += ["-subj", "/CN=localhost"]
    subprocess.run(  # noqa: S603 - fixed arguments, openssl from the PATH
        [shutil.which("openssl") or "openssl", *request, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    if os.geteuid() == 0:
        shutil.chown(key, "postgres")
        shutil.chown(cert, "postgres")
    key.chmod(0o600)
    subprocess.run(  # noqa: S603
        _as_server_user([str(BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c ssl=on "
        f"-c ssl_cert_file={cert} -c ssl_key_file={key}"
    )
    pg_ctl = [str(BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log")]
    subprocess.run(_as_server_user([*pg_ctl, "-o", options, "start"]), check=True)  # noqa: S603
    try:
        yield port
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "stop", "-m", "fast"]), check=False)  # noqa: S603
        shutil.rmtree(root, ignore_errors=True)


async def test_sslmode_require_encrypts_the_connection(tls_server: int) -> None:
    engine = create_engine(f"postgresql://postgres@127.0.0.1:{tls_server}/postgres?sslmode=require")
    try:
        async with engine.connect() as connection:
            encrypted = await connection.scalar(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            )
    finally:
        await engine.dispose()
    assert encrypted is True


async def test_verify_full_refuses_an_unknown_certificate(tls_server: int) -> None:
    engine = create_engine(
        f"postgresql://postgres@127.0.0.1:{tls_server}/postgres?sslmode=verify-full"
    )
    try:
        with pytest.raises(Exception, match="certificate"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
