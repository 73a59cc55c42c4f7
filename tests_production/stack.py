"""The production stack of CI, started from scratch on one machine with Debian's packages.

    client ──► nginx (appends X-Forwarded-For, as Render's proxy does)
                 ├─► instance A: `hostolink serve`, 2 worker processes ─┐
                 └─► instance B: `hostolink serve`, 2 worker processes ─┤
                        PgBouncer (transaction pooling) ◄───────────────┤
                          └─► PostgreSQL 15 (small max_connections)     │
                        Redis ◄─────────────────────────────────────────┘
    the outside world: Twilio, SMTP, Cloudinary and Wave, simulated at their boundary
    (tests_production/fakes.py)

Everything runs from the wheel installed non-editable in a fresh virtual environment (the
Dockerfile's steps, .ci/build-wheel.sh), with HOSTOLINK_ENV=production and every production
check active, as an unprivileged user, from a working directory outside the repository:
nothing of the source tree can be imported by accident.
"""

from __future__ import annotations

import base64
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "hostolink"  # the Dockerfile's user (uid 10001)
RUN_AS_UID = 10001
# Small on purpose: two instances of two processes must live within it, the CLI too.
PG_MAX_CONNECTIONS = 30
PGBOUNCER_POOL = 12
DRAIN_SECONDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, *, process: Process | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None:
            process.check_alive()
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


def _unprivileged() -> dict[str, object]:
    """Popen arguments that drop root, as the image's `USER 10001` does."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                "/usr/sbin/useradd",
                "--system",
                "--uid",
                str(RUN_AS_UID),
                "--user-group",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                RUN_AS,
            ],
            check=True,
        )
    return {"user": RUN_AS, "group": RUN_AS, "extra_groups": []}


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, RUN_AS, RUN_AS)


@dataclass
class Process:
    name: str
    args: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own commands
                self.args,
                env=self.env or None,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **_unprivileged(),  # type: ignore[arg-type]
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        if self.popen is not None and self.popen.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def stop(self, *, timeout: float = 30) -> float:
        """SIGTERM to the process group; seconds it took to exit (SIGKILL after timeout)."""
        if self.popen is None or self.popen.poll() is not None:
            return 0.0
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        return time.monotonic() - started


@dataclass
class Stack:
    """Ports, secrets, processes; `start()` brings everything up in dependency order."""

    venv: Path
    workdir: Path
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    admin_identifier: str = "admin.production@example.ci"
    admin_password: str = field(default_factory=lambda: "Adm-" + secrets.token_urlsafe(15))

    # ------------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """Where clients go: nginx."""
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def instance_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def fakes_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['fakes']}"

    @property
    def database_url(self) -> str:
        """Through PgBouncer, on a port that is not Supabase's 6543: the pooler mode is
        configured, not guessed."""
        return f"postgresql://postgres@127.0.0.1:{self.ports['pgbouncer']}/hostolink"

    @property
    def direct_database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/hostolink"

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    # ------------------------------------------------------------------------ environment

    def env(self, **extra: str) -> dict[str, str]:
        """The production environment, as render.yaml and the Render dashboard give it."""
        base = {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(self.workdir / "home"),
            "PYTHONUNBUFFERED": "1",
            "HOSTOLINK_ENV": "production",
            "HOSTOLINK_DATA_DIR": str(self.workdir / "data"),
            "HOSTOLINK_PUBLIC_URL": self.url,
            "DATABASE_URL": self.database_url,
            "HOSTOLINK_DB_POOLER": "transaction",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "WEB_CONCURRENCY": "2",
            "HOSTOLINK_TRUSTED_PROXIES": "127.0.0.1",
            "HOSTOLINK_PROXY_HOPS": "1",
            "HOSTOLINK_SHUTDOWN_DRAIN_SECONDS": str(DRAIN_SECONDS),
            "JWT_SECRET": self.secrets["jwt"],
            "CARD_ENCRYPTION_KEY": self.secrets["card"],
            "QR_SIGNING_KEYS": "1:" + self.secrets["qr"],
            "HOSTOLINK_SMS_SENDER": "twilio",
            "TWILIO_ACCOUNT_SID": self.secrets["twilio_sid"],
            "TWILIO_AUTH_TOKEN": self.secrets["twilio_token"],
            "TWILIO_FROM": "+2250700000001",
            "TWILIO_API_BASE": self.fakes_url,
            "HOSTOLINK_EMAIL_SENDER": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.ports["smtp"]),
            "SMTP_STARTTLS": "false",
            "SMTP_FROM": "Hostolink <no-reply@hostolink.ci>",
            "CLOUDINARY_URL": (
                f"cloudinary://{self.secrets['cloudinary_key']}:{self.secrets['cloudinary_secret']}"
                f"@hostolink-ci?upload_prefix={self.fakes_url}"
            ),
            "WAVE_API_KEY": self.secrets["wave_key"],
            "WAVE_WEBHOOK_SECRET": self.secrets["wave_webhook"],
            "WAVE_BASE_URL": self.fakes_url,
            "LOG_LEVEL": "INFO",
            # Production's default cost: the burst tests measure the real thing.
            "RATE_LIMIT_PER_IP_PER_MINUTE": "60",
            # What an operator's scraper presents; figures fresh within a second, and an
            # unanswered operation asked about after 5 s instead of 2 minutes, so that the
            # stage sees a stuck deposit without waiting.
            "HOSTOLINK_METRICS_TOKEN": self.secrets["metrics"],
            "HOSTOLINK_METRICS_CACHE_SECONDS": "1",
            "RECONCILIATION_DELAY_SECONDS": "5",
        }
        base.update(extra)
        return base

    def hostolink(
        self, *args: str, check: bool = True, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """The CLI, as an operator runs it in Render's Shell."""
        done = subprocess.run(  # noqa: S603 - our own command
            [self.bin("hostolink"), *args],
            env=self.env(**extra),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            **_unprivileged(),  # type: ignore[arg-type]
        )
        if check and done.returncode != 0:
            command = " ".join(args)
            raise AssertionError(
                f"hostolink {command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    # ------------------------------------------------------------------------ start / stop

    def start(self) -> None:
        for name in ("postgres", "pgbouncer", "redis", "fakes", "smtp", "a", "b", "nginx"):
            self.ports[name] = free_port()
        self.secrets = {
            "jwt": secrets.token_urlsafe(48),
            "card": base64.b64encode(secrets.token_bytes(32)).decode(),
            "qr": secrets.token_urlsafe(32),
            "twilio_sid": "AC" + secrets.token_hex(16),
            "twilio_token": secrets.token_hex(16),
            "cloudinary_key": str(secrets.randbelow(10**15)),
            "cloudinary_secret": secrets.token_urlsafe(20),
            "wave_key": "wave_ci_prod_" + secrets.token_urlsafe(24),
            "wave_webhook": "wave_ci_whsec_" + secrets.token_urlsafe(24),
            "metrics": secrets.token_urlsafe(32),
        }
        _unprivileged()  # creates the user when running as root
        for folder in ("data", "home", "logs", "run"):
            (self.workdir / folder).mkdir(parents=True, exist_ok=True)
            _own(self.workdir / folder)
        _own(self.workdir)
        self._postgres()
        self._pgbouncer()
        self.start_redis()
        self._fakes()
        # Render's preDeployCommand: once, before any instance starts.
        self.hostolink("migrate")
        self.hostolink(
            "create-admin",
            "--identifier",
            self.admin_identifier,
            "--super",
            HOSTOLINK_ADMIN_PASSWORD=self.admin_password,
        )
        self.start_instance("a")
        self.start_instance("b")
        self._nginx()

    def stop(self) -> None:
        for name in ("nginx", "a", "b", "fakes", "redis", "pgbouncer", "postgres"):
            process = self.processes.get(name)
            if process is not None:
                process.stop()

    def log(self, name: str) -> Path:
        return self.workdir / "logs" / f"{name}.log"

    def _postgres(self) -> None:
        data = self.workdir / "pgdata"
        data.mkdir(exist_ok=True)
        _own(data)
        subprocess.run(  # noqa: S603
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            **_unprivileged(),  # type: ignore[arg-type]
        )
        port = self.ports["postgres"]
        self.processes["postgres"] = Process(
            "postgres",
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.workdir / 'run'}",
                "-c",
                f"max_connections={PG_MAX_CONNECTIONS}",
                "-c",
                "superuser_reserved_connections=3",
            ],
            self.log("postgres"),
        ).start()
        wait_for_port(port, process=self.processes["postgres"])
        for _ in range(100):
            ready = subprocess.run(  # noqa: S603
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(  # noqa: S603
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "hostolink",
            ],
            check=True,
            capture_output=True,
        )

    def _pgbouncer(self) -> None:
        config = self.workdir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"hostolink = host=127.0.0.1 port={self.ports['postgres']} dbname=hostolink\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.ports['pgbouncer']}\n"
            f"unix_socket_dir = {self.workdir / 'run'}\n"
            "auth_type = trust\n"
            f"auth_file = {self.workdir / 'pgbouncer-users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {PGBOUNCER_POOL}\nreserve_pool_size = 2\n"
            "max_client_conn = 2000\n"
            "ignore_startup_parameters = extra_float_digits\n"
            "admin_users = postgres\n"
            f"logfile = {self.log('pgbouncer-internal')}\n"
        )
        (self.workdir / "pgbouncer-users.txt").write_text('"postgres" ""\n')
        for path in (config, self.workdir / "pgbouncer-users.txt"):
            _own(path)
        self.processes["pgbouncer"] = Process(
            "pgbouncer", ["/usr/sbin/pgbouncer", str(config)], self.log("pgbouncer")
        ).start()
        wait_for_port(self.ports["pgbouncer"], process=self.processes["pgbouncer"])

    def start_redis(self) -> None:
        self.processes["redis"] = Process(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.ports["redis"]),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir / "run"),
            ],
            self.log("redis"),
        ).start()
        wait_for_port(self.ports["redis"], process=self.processes["redis"])

    def stop_redis(self) -> None:
        self.processes["redis"].stop()

    def _fakes(self) -> None:
        # The stand-in for the outside world runs from the developer environment (it is a
        # test tool, not part of the product), with the repository on its path.
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
        }
        self.processes["fakes"] = Process(
            "fakes",
            [
                sys.executable,
                "-m",
                "tests_production.fakes",
                "--http-port",
                str(self.ports["fakes"]),
                "--smtp-port",
                str(self.ports["smtp"]),
                "--public-url",
                self.fakes_url,
                "--wave-webhook-url",
                f"{self.url}/api/fournisseurs/wave/notifications",
                "--wave-webhook-secret",
                self.secrets["wave_webhook"],
                "--wave-api-key",
                self.secrets["wave_key"],
                "--twilio-sid",
                self.secrets["twilio_sid"],
                "--twilio-token",
                self.secrets["twilio_token"],
                "--cloudinary-key",
                self.secrets["cloudinary_key"],
                # `=`: a random secret may begin with « - », which argparse would take
                # for an option.
                f"--cloudinary-secret={self.secrets['cloudinary_secret']}",
            ],
            self.log("fakes"),
            env=env,
            cwd=ROOT,
        )
        # Not as the unprivileged user: it is our stand-in for the Internet, not our product.
        with self.log("fakes").open("ab") as out:
            self.processes["fakes"].popen = subprocess.Popen(  # noqa: S603
                self.processes["fakes"].args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_port(self.ports["fakes"], process=self.processes["fakes"])
        wait_for_port(self.ports["smtp"], process=self.processes["fakes"])

    def start_instance(self, name: str) -> None:
        port = self.ports[name]
        process = Process(
            f"instance {name}",
            [self.bin("hostolink"), "serve", "--port", str(port), "--host", "127.0.0.1"],
            self.log(f"instance-{name}"),
            env=self.env(),
            cwd=self.workdir,
        ).start()
        self.processes[name] = process
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            process.check_alive()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.instance_url(name)}/ready", timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise AssertionError(f"instance {name} never became ready:\n{process.tail()}")

    def _nginx(self) -> None:
        prefix = self.workdir / "nginx"
        prefix.mkdir(exist_ok=True)
        _own(prefix)
        config = prefix / "nginx.conf"
        config.write_text(
            NGINX_CONF.format(
                prefix=prefix,
                port=self.ports["nginx"],
                a=self.ports["a"],
                b=self.ports["b"],
            )
        )
        self.processes["nginx"] = Process(
            "nginx",
            ["/usr/sbin/nginx", "-c", str(config), "-p", str(prefix), "-g", "daemon off;"],
            self.log("nginx"),
        ).start()
        wait_for_port(self.ports["nginx"], process=self.processes["nginx"])


# As Render's proxy: the client's address appended to X-Forwarded-For (after whatever the
# client sent), the scheme in X-Forwarded-Proto, WebSocket upgrades passed through, and
# both instances behind one address.
NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 12m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
    upstream hostolink {{
        server 127.0.0.1:{a} max_fails=0;
        server 127.0.0.1:{b} max_fails=0;
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://hostolink;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


@contextlib.contextmanager
def running_stack(venv: Path, workdir: Path) -> Iterator[Stack]:
    stack = Stack(venv=venv, workdir=workdir)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
