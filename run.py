#!/usr/bin/env python3
"""Lance Hostolink ou sa suite de tests sur une machine neuve (seul Python >= 3.11 est requis).

    python3 run.py            # démarre le produit sur http://localhost:3000 (PostgreSQL embarqué)
    python3 run.py test       # lance toute la suite de tests
    python3 run.py <commande> # toute autre commande `hostolink` (migrate, seed, outbox, ...)

The script creates `.venv/` next to itself, installs the project into it (again only when
`pyproject.toml` changed), then hands over to the installed `hostolink` command or to pytest.
It deliberately uses nothing but the standard library so that it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HOSTOLINK_VENV", ROOT / ".venv"))
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_installed() -> Path:
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"Hostolink demande Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} ou plus récent.")
    python = venv_python()
    if not python.exists():
        print(f"[hostolink] création de l'environnement virtuel {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Re-install only when the dependency list changed: a second start is instant.
    stamp = VENV / ".hostolink-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != digest:
        print("[hostolink] installation des dépendances (une seule fois) ...", flush=True)
        pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
        stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    python = ensure_installed()
    os.chdir(ROOT)
    if argv[:1] == ["test"]:
        # Exit code 5 (no test collected) is passed through: callers treat it as a failure.
        return _hand_over([str(python), "-m", "pytest", *argv[1:]])
    command = argv or ["serve"]
    return _hand_over([str(python), "-m", "hostolink", *command])


def _hand_over(command: list[str]) -> int:
    """Become the command on POSIX, so that a supervisor's SIGTERM (systemd, Docker, Render)
    reaches the server itself instead of orphaning it; Windows has no such exec."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(command[0], command)
    return subprocess.call(command)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
