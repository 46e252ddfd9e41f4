"""The shape of the code, checked: layers import only downwards, the read side loads no parser,
only storage speaks CQL, and no module or function outgrows what a reader takes in at once."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [p for d in ("archive", "jobs", "web") for p in sorted((ROOT / d).rglob("*.py"))]

# archive's folders, lowest layer first: a module may import its own layer or lower ones.
RANKS = {"config": 0, "domain": 0, "formats": 1, "search": 1, "indexes": 1, "parse": 2, "sources": 3, "talks": 3,
         "storage": 4, "service": 5, "browse": 5, "tooling": 6, "cli": 7}
# Beyond the ranks: the write side reaches storage only through its ports, the read side never
# touches the write side.
FORBIDDEN = {"service": {"storage", "browse"}, "browse": {"parse", "service", "sources", "storage"}}
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "archive" and len(parts) > 1 else None


def _imports(path: Path) -> set[str]:
    """Return every module a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@pytest.mark.parametrize("path", [p for p in PRODUCT if p.parts[len(ROOT.parts)] == "archive"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_archive_layers_import_downwards(path):
    own = _layer(_module_name(path))
    if own is None or own not in RANKS:
        assert own is None or own == "__init__", f"{path}: a folder missing from RANKS"
        return
    for module in _imports(path):
        layer = _layer(module)
        if layer is None or layer not in RANKS or layer == own:
            continue
        assert RANKS[layer] <= RANKS[own], f"{path.relative_to(ROOT)} ({own}) imports {module} ({layer}), a higher layer"
        assert layer not in FORBIDDEN.get(own, ()), f"{path.relative_to(ROOT)} ({own}) must not import {module}"


def test_only_storage_speaks_cql():
    for path in PRODUCT:
        if "storage" in path.relative_to(ROOT).parts:
            continue
        speaking = {m for m in _imports(path) if m == "cassandra" or m.startswith("cassandra.")}
        assert not speaking, f"{path.relative_to(ROOT)} imports {speaking}"


def test_the_read_side_loads_no_parser_and_no_write_side():
    code = ("import sys, archive.browse, web, web.pages, web.api, web.feeds\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('docutils', 'markdown_it', 'celery')\n"
            "          or m.startswith(('archive.parse', 'archive.service', 'archive.sources', 'archive.talks.build'))]\n"
            "print(','.join(sorted(loaded)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "", f"the web's read side loaded: {result.stdout.strip()}"


def test_importing_the_parsers_registers_nothing_in_docutils():
    code = ("import docutils.parsers.rst.roles as roles, archive.parse\n"
            "print(sorted(roles._roles))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_no_module_or_function_is_too_long():
    too_long = []
    for path in PRODUCT:
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {lines} lines")
    assert not too_long, too_long
