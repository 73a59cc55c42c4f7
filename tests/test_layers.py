"""The layers of docs/architecture.md, read from the code's imports: `kit` ← `models` ←
domains ← application, no import cycle between packages or between modules, every package
placed in a layer, and the document's diagram as the code draws it."""

from __future__ import annotations

import textwrap
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
    source = root / "hostolink"
    for name, text in files.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return source


def test_a_cycle_through_a_function_level_import_is_a_package_cycle(tmp_path: Path) -> None:
    source = _write(
        tmp_path,
        {
            "__init__.py": "",
            "wallet/__init__.py": "",
            "wallet/service.py": "from hostolink.qr import service\n",
            "qr/__init__.py": "",
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
            "__init__.py": "",
            "health/__init__.py": "",
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
            "__init__.py": "",
            "kit/__init__.py": "",
            "kit/pagination.py": "from hostolink.wallet.history import MAX_PAGE\n",
            "wallet/__init__.py": "",
            "wallet/history.py": "MAX_PAGE = 100\n",
            "loyalty/__init__.py": "import hostolink.kit.pagination\n",
        },
    )
    graph = read_graph(source)
    assert architecture.upward_imports(graph) == ["kit → wallet (hostolink.kit.pagination)"]
    assert architecture.unplaced(graph) == ["loyalty"]
