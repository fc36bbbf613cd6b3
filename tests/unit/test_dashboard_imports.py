"""The dashboard's modules form no hidden cycles: no imports inside functions, project-page routes import no sibling."""

import ast
import re
from pathlib import Path

import portal.dashboard

PACKAGE = Path(portal.dashboard.__file__).parent
PROJECT_PAGE_ROUTES = ("projects", "deliverables", "files", "messages", "links", "clients")


def _tree(name: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{name}.py").read_text())


def _dashboard_imports(nodes) -> set[str]:
    names = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "portal.dashboard":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("portal.dashboard."):
            names.add(node.module.rsplit(".", 1)[1])
    return names


def _is_route_module(name: str) -> bool:
    return re.search(r"@bp\.(get|post|route)\(", (PACKAGE / f"{name}.py").read_text()) is not None


def test_no_dashboard_module_imports_inside_a_function():
    for path in PACKAGE.glob("*.py"):
        tree = _tree(path.stem)
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                assert not _dashboard_imports(ast.walk(function)), f"{path.stem}.{function.name}"


def test_project_page_routes_import_no_other_route_module():
    for name in PROJECT_PAGE_ROUTES:
        imported = _dashboard_imports(ast.walk(_tree(name))) - {"bp"}
        siblings = {other for other in imported if (PACKAGE / f"{other}.py").exists() and _is_route_module(other)}
        assert not siblings, f"{name} imports {siblings}"
