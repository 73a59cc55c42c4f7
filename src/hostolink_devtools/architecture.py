"""The layers of `hostolink`, read from the code's own imports: the rule that keeps them, and
the diagram of docs/architecture.md.

A *package* is a sub-package of `hostolink` (`wallet`, `auth`…) or a module at its root
(`db`, `config`…). Each belongs to one layer; a package imports only from its own layer or
lower ones, and no package, directly or through others, imports itself back:

    foundation  ←  data  ←  domains  ←  application

Every import counts for the packages (at module level, inside a function, or under
`TYPE_CHECKING`): a function-level import is still a dependency. For modules, the imports
Python runs when it loads one (its top-level statements, not under `TYPE_CHECKING`) may not
form a loop either. tests/test_layers.py fails on any breach; `hostolink architecture`
rewrites the diagram between the markers of docs/architecture.md (`--check`: fails if it
drifted).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "hostolink"
DOCUMENT = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- diagramme des couches : généré par `hostolink architecture`, ne pas éditer -->"
END = "<!-- fin du diagramme généré -->"


@dataclass(frozen=True)
class Layer:
    name: str
    label: str  # French, for the document
    packages: frozenset[str]


LAYERS: tuple[Layer, ...] = (
    Layer(
        "foundation",
        "Fondations (kit)",
        frozenset({"__init__", "config", "errors", "logging", "kit", "embedded"}),
    ),
    Layer("data", "Données (models)", frozenset({"models", "db", "migrate", "migrations"})),
    Layer(
        "domains",
        "Domaines",
        frozenset(
            {
                "account",
                "admin",
                "announcements",
                "auth",
                "cards",
                "contacts",
                "discussions",
                "establishments",
                "health",
                "jobs",
                "kyc",
                "media",
                "messaging",
                "moderation",
                "notifications",
                "operations",
                "providers",
                "qr",
                "referral",
                "social",
                "support",
                "users",
                "wallet",
            }
        ),
    ),
    Layer(
        "application",
        "Application (app)",
        frozenset(
            {
                "app",
                "hot_routes",
                "server",
                "cli",
                "__main__",
                "middleware",
                "seed",
                "backoffice",
                "metrics",
                "web",
            }
        ),
    ),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer.packages}


@dataclass
class Graph:
    """Imports between `hostolink`'s packages (with the modules that make each one) and
    between its modules (the top-level imports only)."""

    packages: set[str] = field(default_factory=set)
    package_edges: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    module_edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def package_of(module: str) -> str:
    """`hostolink.wallet.ledger` → `wallet`; `hostolink.db` → `db`; `hostolink` → `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules(source: Path = SOURCE) -> dict[str, Path]:
    """Every module of `hostolink` by its dotted name (`hostolink.wallet` for its
    `__init__.py`), with its file."""
    found = {}
    for path in sorted(source.rglob("*.py")):
        parts = path.relative_to(source.parent).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__")
        found[name] = path
    return found


def _target(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imported(module: str, path: Path, node: ast.AST, modules: dict[str, Path]) -> Iterator[str]:
    """The `hostolink` modules an import statement names (a `from package import module`
    names the module, not only the package)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == "hostolink" or alias.name.startswith("hostolink."):
                yield alias.name
    elif isinstance(node, ast.ImportFrom):
        target = _target(module, path, node)
        if target != "hostolink" and not target.startswith("hostolink."):
            return
        for alias in node.names:
            child = f"{target}.{alias.name}"
            yield child if child in modules else target


def _top_level(tree: ast.Module) -> Iterator[ast.stmt]:
    for statement in tree.body:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        yield statement


def read_graph(source: Path = SOURCE) -> Graph:
    known = modules(source)
    graph = Graph()
    for module, path in known.items():
        if module.startswith("hostolink.migrations.versions"):
            continue  # reviewed by hand, frozen once applied; they import only SQLAlchemy
        package = package_of(module)
        graph.packages.add(package)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for imported in _imported(module, path, node, known):
                target = package_of(imported)
                if target != package:
                    graph.package_edges[package][target].add(module)
        for statement in _top_level(tree):
            for imported in _imported(module, path, statement, known):
                if imported in known and imported != module:
                    graph.module_edges[module].add(imported)
    return graph


def unplaced(graph: Graph) -> list[str]:
    """Packages that no layer names: a new package must be given its layer."""
    return sorted(graph.packages - RANK.keys())


def upward_imports(graph: Graph) -> list[str]:
    """Each import of a higher layer, as `package → target (modules)`."""
    found = []
    for package, targets in sorted(graph.package_edges.items()):
        for target, importers in sorted(targets.items()):
            if package in RANK and target in RANK and RANK[target] > RANK[package]:
                found.append(f"{package} → {target} ({', '.join(sorted(importers))})")
    return found


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    nodes = set(edges) | {target for targets in edges.values() for target in targets}
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return sorted(found)


def package_cycles(graph: Graph) -> list[list[str]]:
    return cycles({package: set(targets) for package, targets in graph.package_edges.items()})


def module_cycles(graph: Graph) -> list[list[str]]:
    return cycles(graph.module_edges)


def _reduced(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The transitive reduction of an acyclic graph: an edge a → c goes when a reaches c
    through another package, so the diagram shows each dependency once."""

    def reachable(start: str, skip: str) -> set[str]:
        seen: set[str] = set()
        todo = [n for n in edges.get(start, ()) if n != skip]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        return seen

    return {
        source: {target for target in targets if target not in reachable(source, target)}
        for source, targets in edges.items()
    }


def mermaid(graph: Graph) -> str:
    """The packages in their layers (highest first) and their reduced dependencies."""
    edges = {package: set(targets) for package, targets in graph.package_edges.items()}
    reduced = _reduced(edges)
    lines = ["```mermaid", "flowchart TB"]
    for layer in reversed(LAYERS):
        lines.append(f'  subgraph {layer.name}["{layer.label}"]')
        for package in sorted(layer.packages & graph.packages):
            lines.append(f'    {_node(package)}["{package}"]')
        lines.append("  end")
    for source in sorted(reduced):
        for target in sorted(reduced[source]):
            lines.append(f"  {_node(source)} --> {_node(target)}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def _node(package: str) -> str:
    return "pkg_" + package.strip("_")


def render(document: str, graph: Graph) -> str:
    """The document with its generated block replaced."""
    start = document.index(BEGIN) + len(BEGIN)
    stop = document.index(END)
    return document[:start] + "\n" + mermaid(graph) + document[stop:]


def run(*, check: bool, document: Path = DOCUMENT) -> bool:
    """Rewrites the diagram of `document` (or, with `check`, says whether it is current)."""
    current = document.read_text(encoding="utf-8")
    wanted = render(current, read_graph())
    if check:
        return current == wanted
    document.write_text(wanted, encoding="utf-8")
    return True
