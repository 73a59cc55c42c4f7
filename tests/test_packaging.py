"""Production runs the wheel, installed from the lock: the wheel must carry every file the
package reads at run time (templates, static files, catalogue, data sets, migrations) and
build the app on its own, and the lock files must pin every requirement, transitively, at
the version installed here."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
RELOCK = "run tools/lock.sh (see README, « Dépendances verrouillées »)"
REINSTALL = "run python3 run.py (it re-installs .venv from the lock)"

# Checked in a fresh interpreter that sees the unpacked wheel and the venv's dependencies.
SMOKE = """
import sys
from pathlib import Path

import hostolink

where = Path(hostolink.__file__).resolve()
if not where.is_relative_to(Path(sys.argv[1]).resolve()):
    sys.exit(f"hostolink imported from {where}, not from the wheel")

from alembic.script import ScriptDirectory

from hostolink.app import create_app
from hostolink.migrate import alembic_config

create_app(database_url="postgresql+asyncpg://x@localhost/x")
if not ScriptDirectory.from_config(alembic_config("postgresql://x@localhost/x")).get_heads():
    sys.exit("no migration in the wheel")
"""


def _git_files(*paths: str) -> list[str]:
    """Tracked and new (not ignored) files: what a clone plus the work in progress holds."""
    git = shutil.which("git") or "git"
    listed = subprocess.run(  # noqa: S603 - git with fixed arguments
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *paths],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


def _artefact(name: str) -> bool:
    return name.endswith((".pyc", ".pyo")) or "__pycache__" in name.split("/")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built like the image (Dockerfile, .ci/build-wheel.sh): from a copy of the build
    context, without build isolation (setuptools comes from requirements/build.txt) and
    without any index."""
    context = tmp_path_factory.mktemp("context")
    for name in _git_files("pyproject.toml", "MANIFEST.in", "README.md", "src"):
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, context / name)
    dist = tmp_path_factory.mktemp("dist")
    offline = ["--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check"]
    built = subprocess.run(  # noqa: S603 - this interpreter's pip, fixed arguments
        [sys.executable, "-m", "pip", "wheel", *offline, "-q", "-w", str(dist), str(context)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("hostolink-*.whl")
    return found


def test_the_wheel_carries_every_file_of_the_package(wheel: Path) -> None:
    expected = {
        name.removeprefix("src/") for name in _git_files("src/hostolink") if not _artefact(name)
    }
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    missing = sorted(expected - shipped)
    assert not missing, (
        f"{len(missing)} file(s) of src/hostolink missing from {wheel.name} (MANIFEST.in, "
        "include-package-data in pyproject.toml):\n  " + "\n  ".join(missing)
    )
    assert not [name for name in shipped if _artefact(name)]


def test_the_wheel_carries_no_development_tool(wheel: Path) -> None:
    """src/hostolink_devtools (Postman, MERISE, scratch databases, icons) is for a clone of the
    repository: the wheel holds the runtime package and its metadata, nothing else."""
    assert _git_files("src/hostolink_devtools"), "the development tools moved: update this test"
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    (metadata_folder,) = (top for top in tops if top.endswith(".dist-info"))
    assert tops == {"hostolink", metadata_folder}, tops


@pytest.fixture(scope="module")
def unpacked(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
    return folder


def _from_the_wheel(unpacked: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter, seeing the unpacked wheel and the venv's dependencies only: neither the
    repository's src/ (cwd and PYTHONPATH elsewhere) nor the editable install's .pth (-S drops
    site-packages' .pth files, so the dependencies come back through PYTHONPATH)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"HOSTOLINK_ENV", "DATABASE_URL", "PYTHONPATH"}
    }
    paths = sysconfig.get_paths()
    site_packages = dict.fromkeys([paths["purelib"], paths["platlib"]])
    env |= {
        "PYTHONPATH": os.pathsep.join([str(unpacked), *site_packages]),
        "HOSTOLINK_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-S", *args],
        cwd=tmp_path,  # not the repository: its src/ must not be importable
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_app_builds_from_the_unpacked_wheel(unpacked: Path, tmp_path: Path) -> None:
    smoke = _from_the_wheel(unpacked, tmp_path, "-c", SMOKE, str(unpacked))
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr


@pytest.mark.parametrize("command", ["postman", "merise"])
def test_development_commands_refuse_in_french_without_the_tools(
    unpacked: Path, tmp_path: Path, command: str
) -> None:
    """The installed wheel has no hostolink_devtools: its development commands say where to
    run them, in French, and exit 2; the other commands are unaffected."""
    probe = _from_the_wheel(unpacked, tmp_path, "-c", "import hostolink_devtools")
    assert "No module named 'hostolink_devtools'" in probe.stderr, probe.stderr
    refused = _from_the_wheel(unpacked, tmp_path, "-m", "hostolink", command)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr == (
        "Erreur : outil de développement : lancez-le depuis un clone du dépôt\n"
    )
    served = _from_the_wheel(unpacked, tmp_path, "-m", "hostolink", "openapi")
    assert served.returncode == 0, served.stderr
    assert '"openapi"' in served.stdout


def _module_level_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module loads: everywhere but inside function bodies."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _module_level_imports(node)


def test_no_runtime_module_imports_the_development_tools_when_loaded() -> None:
    """The wheel has no hostolink_devtools: a runtime module may import it inside a function
    (the CLI's development commands, refused in French without it), never at module level."""
    found: list[str] = []
    modules = sorted((ROOT / "src" / "hostolink").rglob("*.py"))
    for path in modules:
        for node in _module_level_imports(ast.parse(path.read_bytes(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names.append(node.module or "" if isinstance(node, ast.ImportFrom) else "")
            if any(name.split(".")[0] == "hostolink_devtools" for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(modules) > 100  # the package is really read
    assert not found, found


# ------------------------------------------------------------------------------- the lock


def read_lock(path: Path) -> list[Requirement]:
    """Every `name==version ; marker` entry of a requirements file written by uv, hashes and
    annotations left out (all platforms: use `pinned_here` for this one)."""
    entries: list[Requirement] = []
    for line in path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        text = line.split("#", 1)[0].split(" --hash", 1)[0].strip()
        if text and not text.startswith("-"):
            entries.append(Requirement(text))
    return entries


def pinned_here(entries: list[Requirement]) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for entry in entries:
        if entry.marker is None or entry.marker.evaluate():
            (pin,) = entry.specifier
            assert pin.operator == "==", f"{entry} is not an exact pin"
            pins[canonicalize_name(entry.name)] = Version(pin.version)
    return pins


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    marker = requirement.marker
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in {"", *extras})


def _wanted(requirement: Requirement) -> str:
    """`name[extras]specifier`, the marker left out (it held for this interpreter)."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


def lock_problems(roots: list[Requirement], lock: Path) -> list[str]:
    """What is wrong between the requirements `roots` (and, transitively, the requirements of
    the distributions installed here) and the pins of `lock` for this interpreter."""
    pins = pinned_here(read_lock(lock))
    problems: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    queue = [(root, "pyproject.toml") for root in roots if _applies(root, set())]
    while queue:
        requirement, wanted_by = queue.pop()
        name = canonicalize_name(requirement.name)
        pin = pins.get(name)
        if pin is None:
            problems.add(
                f"{_wanted(requirement)} (wanted by {wanted_by}) is not pinned in "
                f"{lock.relative_to(ROOT)}: {RELOCK}"
            )
            continue
        if not requirement.specifier.contains(pin, prereleases=True):
            problems.add(
                f"{_wanted(requirement)} (wanted by {wanted_by}) but {lock.relative_to(ROOT)} pins "
                f"{name}=={pin}: {RELOCK}"
            )
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            problems.add(f"{name}=={pin} is pinned but not installed: {REINSTALL}")
            continue
        if installed != pin:
            problems.add(
                f"{name} {installed} is installed, {lock.relative_to(ROOT)} pins {pin}: {REINSTALL}"
            )
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        queue += [
            (child, f"{name} {installed}")
            for child in map(Requirement, metadata.requires(name) or [])
            if _applies(child, requirement.extras)
        ]
    return sorted(problems)


def _pin(entry: Requirement) -> tuple[str, str]:
    return canonicalize_name(entry.name), str(entry.specifier)


def _project() -> dict[str, list[str]]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    return {
        "production": project["dependencies"],
        "dev": project["optional-dependencies"]["dev"],
        "build": pyproject["build-system"]["requires"],
    }


class TestLock:
    def test_production_pins_every_runtime_requirement(self) -> None:
        roots = [Requirement(text) for text in _project()["production"]]
        problems = lock_problems(roots, REQUIREMENTS / "production.txt")
        assert not problems, "\n".join(problems)

    def test_development_pins_the_dev_extra_too(self) -> None:
        project = _project()
        roots = [Requirement(text) for text in project["production"] + project["dev"]]
        problems = lock_problems(roots, REQUIREMENTS / "development.txt")
        assert not problems, "\n".join(problems)

    def test_development_runs_the_production_versions(self) -> None:
        """On every platform: development.txt is compiled with production.txt as constraints."""
        development = {_pin(entry) for entry in read_lock(REQUIREMENTS / "development.txt")}
        differ = [
            str(entry)
            for entry in read_lock(REQUIREMENTS / "production.txt")
            if _pin(entry) not in development
        ]
        assert not differ, f"pinned differently in development.txt: {differ}; {RELOCK}"

    def test_build_pins_the_build_backend_and_pip(self) -> None:
        roots = [Requirement(text) for text in [*_project()["build"], "pip"]]
        problems = lock_problems(roots, REQUIREMENTS / "build.txt")
        assert not problems, "\n".join(problems)

    def test_a_requirement_added_without_relocking_says_what_to_run(self) -> None:
        problems = lock_problems(
            [Requirement("surely-not-a-hostolink-dependency>=1")], REQUIREMENTS / "production.txt"
        )
        assert problems == [
            "surely-not-a-hostolink-dependency>=1 (wanted by pyproject.toml) is not pinned in "
            f"requirements/production.txt: {RELOCK}"
        ]
