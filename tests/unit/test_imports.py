"""Arrows between the packages point one way (DESIGN.md, Layout): ``api`` and ``consumers``
use ``domain`` and ``projections``, ``projections`` uses ``domain``, ``domain`` none of them,
and none of the four imports the composition root ``idgov``. Every import counts, also one
inside a function or under ``TYPE_CHECKING``."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAY_IMPORT = {
    "domain": set(),
    "projections": {"domain"},
    "consumers": {"domain", "projections"},
    "api": {"domain", "projections"},
    "idgov": {"domain", "projections", "consumers", "api"},
}


def imported_packages(source: str, module: str) -> set[str]:
    """The first-party packages that ``source``, the text of ``module``, imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:  # relative ones stay inside
            names = [node.module or ""]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & MAY_IMPORT.keys()
    return found - {module.split(".")[0]}


def arrows() -> dict[str, set[tuple[str, str]]]:
    """For each package, the packages it imports, each with a module that does."""
    found: dict[str, set[tuple[str, str]]] = {package: set() for package in MAY_IMPORT}
    for package in MAY_IMPORT:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for imported in imported_packages(path.read_text(), module):
                found[package].add((imported, module))
    return found


def test_every_import_points_the_allowed_way() -> None:
    wrong = sorted(
        f"{module} imports {imported}"
        for package, imports in arrows().items()
        for imported, module in imports
        if imported not in MAY_IMPORT[package]
    )
    assert wrong == []


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph = {
        package: {imported for imported, _ in imports} for package, imports in arrows().items()
    }
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as cycle:
        raise AssertionError(f"import cycle: {cycle.args[1]}") from None


def test_a_wrong_way_import_is_noticed() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import domain.events\n"
        "from . import sibling\n"
        "if TYPE_CHECKING:\n"
        "    from api.services import Services\n"
        "def later() -> None:\n"
        "    import idgov.settings\n"
    )
    assert imported_packages(source, "projections.base") == {"domain", "api", "idgov"}


def modules_imported(source: str) -> set[str]:
    """Every first-party module ``source`` imports, by its dotted name."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_aggregates_do_not_import_the_use_cases() -> None:
    """Inside ``domain``, services build on aggregates and the store, never the reverse."""
    use_cases = ("domain.services", "domain.application")
    wrong = sorted(
        f"{path.name} imports {imported}"
        for path in (ROOT / "domain").glob("*.py")
        if path.name != "application.py"
        for imported in modules_imported(path.read_text())
        if imported.startswith(use_cases)
    )
    assert wrong == []
