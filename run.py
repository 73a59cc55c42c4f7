#!/usr/bin/env python3
"""Lance Hostolink ou sa suite de tests sur une machine neuve (seul Python >= 3.11 est requis).

    python3 run.py            # démarre le produit sur http://localhost:3000 (PostgreSQL embarqué)
    python3 run.py test       # lance toute la suite de tests
    python3 run.py <commande> # toute autre commande `hostolink` (migrate, seed, outbox, ...)

The script creates `.venv/` next to itself, installs the locked dependencies into it
(`requirements/*.txt`, every file checked against its hash; again only when `pyproject.toml` or
a requirements file changed) and the project itself in editable mode, then hands over to the
installed `hostolink` command or to pytest. It deliberately uses nothing but the standard
library so that it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REQUIREMENTS = ROOT / "requirements"
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
    # Re-install only when the dependencies changed: a second start is instant.
    stamp = VENV / ".hostolink-installed"
    digest = _digest()
    if not stamp.exists() or stamp.read_text().strip() != digest:
        print("[hostolink] installation des dépendances (une seule fois) ...", flush=True)
        _install(python)
        stamp.write_text(digest)
    return python


def _digest() -> str:
    sources = [ROOT / "pyproject.toml", *sorted(REQUIREMENTS.glob("*.txt"))]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(f"{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def _install(python: Path) -> None:
    """The locked versions (pip and setuptools first: the project is built with them, without
    fetching anything unpinned), then the project itself, editable and without dependencies."""
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    for step in (
        ["--require-hashes", "-r", str(REQUIREMENTS / "build.txt")],
        ["--require-hashes", "-r", str(REQUIREMENTS / "development.txt")],
        ["--no-deps", "--no-build-isolation", "-e", str(ROOT)],
    ):
        subprocess.run([*pip, *step], check=True)  # noqa: S603 - the venv's pip, fixed arguments
    # A dependency added to pyproject.toml but not to the lock would only fail at import.
    check = subprocess.run(  # noqa: S603 - the venv's pip, fixed arguments
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        sys.exit(
            f"{check.stdout}{check.stderr}"
            "[hostolink] les dépendances verrouillées ne couvrent pas pyproject.toml : "
            "régénérez-les avec tools/lock.sh (voir README, « Dépendances verrouillées »)."
        )


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
