"""The engine's imports flow one way (docs/architecture.md): read from the source, every import of one ocr_engine
module by another, those inside functions included, makes no cycle and never reaches a higher layer."""

import ast
import os
from typing import Dict, List, Set

import pytest

from testkit.server import REPO

PACKAGE = os.path.join(REPO, "ocr_engine")
# Lowest first. Inside the serving layer: what every endpoint uses, then the PaddleX wing, then the HTTP and process
# machinery around them.
LAYERS = [
    ("base", ["ocr_engine", "ocr_engine.options", "ocr_engine.formats"]),
    ("runtime", ["ocr_engine.runtime"]),
    ("stages", ["ocr_engine.stages"]),
    ("pipeline", ["ocr_engine.pipeline"]),
    ("structure", ["ocr_engine.structure"]),
    # Models made ready ahead of time: the calibration reads images with the whole engine.
    ("preparation", ["ocr_engine.calibration", "ocr_engine.prepare"]),
    ("serving's parts", ["ocr_engine.serving." + name for name in (
        "errors", "envelopes", "sent", "multipart", "images", "pdf", "metrics", "service", "shared", "access",
        "logs")]),
    ("PaddleX's API", ["ocr_engine.serving.paddlex"]),
    ("the job API", ["ocr_engine.serving.jobs"]),
    ("serving", ["ocr_engine.serving"]),
]


def module_names() -> Dict[str, str]:
    """Every module of the package by dotted name, with its file."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, REPO)[:-3].replace(os.sep, ".")
                found[dotted[: -len(".__init__")] if dotted.endswith(".__init__") else dotted] = path
    return found


def imports_of(name: str, path: str, modules: Dict[str, str]) -> Set[str]:
    """The package's modules that ``name`` (at ``path``) imports, wherever in the file."""
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                if base + "." + alias.name in modules:
                    found.add(base + "." + alias.name)
                elif base in modules:
                    found.add(base)
    found.discard(name)
    return found


def rank(name: str) -> int:
    """The layer of a module: the one whose longest prefix names it."""
    best, best_length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


@pytest.fixture(scope="module")
def graph() -> Dict[str, Set[str]]:
    modules = module_names()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_the_graph_is_read_whole(graph):
    assert "ocr_engine.serving.server" in graph["ocr_engine.serving.gunicorn_worker"]
    assert "ocr_engine.serving.paddlex.common" in graph["ocr_engine.serving.paddlex.ocr"]
    assert all(rank(name) >= 0 for name in graph), [name for name in graph if rank(name) < 0]


def test_no_import_cycle(graph):
    state: Dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: List[str] = []

    def walk(name: str) -> None:
        state[name] = 1
        path.append(name)
        for imported in sorted(graph[name]):
            if state.get(imported) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(imported):] + [imported]))
            if imported not in state:
                walk(imported)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)


def test_no_module_imports_a_higher_layer(graph):
    upward = ["%s (%s) imports %s (%s)" % (name, LAYERS[rank(name)][0], imported, LAYERS[rank(imported)][0])
              for name, imported_names in sorted(graph.items()) for imported in sorted(imported_names)
              if rank(imported) > rank(name)]
    assert upward == []


def test_no_paddlex_endpoint_imports_another():
    endpoints = {"ocr_engine.serving.paddlex." + name for name in ("ocr", "layout_parsing", "table_recognition")}
    modules = module_names()
    for name in endpoints:
        assert not imports_of(name, modules[name], modules) & endpoints, name
