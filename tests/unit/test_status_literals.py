"""Statuses are compared with the models' constants (template globals such as ``PROJECT.ON_HOLD``), never spelled."""

import ast
import re
from pathlib import Path

import pytest
from jinja2 import nodes

from portal.formatting import status_globals
from portal.models import deliverable, invoice, project, proposal

PORTAL = Path(__file__).resolve().parents[2] / "portal"
STATUS_NAME = re.compile(r"status|state", re.IGNORECASE)
# A status spelled out is caught whatever the variable holding it is called (``shown == "sent"``).
STATUS_VALUES = {value for namespace in status_globals().values() for value in vars(namespace).values()}


def _jinja_names(node) -> set[str]:
    found = {n.name for n in node.find_all(nodes.Name)} | {n.attr for n in node.find_all(nodes.Getattr)}
    if isinstance(node, nodes.Name):
        found.add(node.name)
    if isinstance(node, nodes.Getattr):
        found.add(node.attr)
    return found


def _jinja_literal(node, statuses_only: bool = False) -> bool:
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str) and (not statuses_only or node.value in STATUS_VALUES)
    if isinstance(node, nodes.Tuple | nodes.List):
        return any(_jinja_literal(item, statuses_only) for item in node.items)
    return False


def template_literal_comparisons(env, source: str) -> list[int]:
    """Lines of a template where a status (or state) is compared with a string literal."""
    lines = []
    for compare in env.parse(source).find_all(nodes.Compare):
        sides = [compare.expr, *(operand.expr for operand in compare.ops)]
        named = any(STATUS_NAME.search(name) for side in sides for name in _jinja_names(side))
        if any(_jinja_literal(side, statuses_only=not named) for side in sides):
            lines.append(compare.lineno)
    return lines


def _python_names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _python_literal(node) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_python_literal(item) for item in node.elts)
    return False


def python_literal_comparisons(source: str) -> list[int]:
    """Lines of a module where a status (or state) is compared with a string literal."""
    lines = []
    for compare in ast.walk(ast.parse(source)):
        if not isinstance(compare, ast.Compare):
            continue
        sides = [compare.left, *compare.comparators]
        named = any(STATUS_NAME.search(name) for side in sides for name in _python_names(side))
        if named and any(_python_literal(side) for side in sides):
            lines.append(compare.lineno)
    return lines


def test_no_template_compares_a_status_with_a_literal(app):
    found = {}
    for path in sorted((PORTAL / "templates").rglob("*.html")):
        lines = template_literal_comparisons(app.jinja_env, path.read_text())
        if lines:
            found[str(path.relative_to(PORTAL))] = lines
    assert found == {}


def test_no_module_compares_a_status_with_a_literal():
    found = {}
    for path in sorted(PORTAL.rglob("*.py")):
        lines = python_literal_comparisons(path.read_text())
        if lines:
            found[str(path.relative_to(PORTAL))] = lines
    assert found == {}


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('{% if project.status == "on_hold" %}x{% endif %}', True),
        ("{% if d.approval_status != 'pending' %}x{% endif %}", True),
        ('{% if status in ("sent", "overdue") %}x{% endif %}', True),
        ("{% if project.status == PROJECT.ON_HOLD %}x{% endif %}", False),
        ('{% if kind == "photos" %}x{% endif %}', False),
        ('{{ "Unpaid" if shown == "sent" else shown }}', True),
    ],
)
def test_the_template_check_catches_literals(app, source, caught):
    assert bool(template_literal_comparisons(app.jinja_env, source)) is caught


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('if row.status == "sent": pass', True),
        ('q.where(Invoice.status.in_(["sent"]))', False),
        ('if state not in ("locked", "revoked"): pass', True),
        ("if row.status == SENT: pass", False),
    ],
)
def test_the_python_check_catches_literals(source, caught):
    assert bool(python_literal_comparisons(source)) is caught


def test_templates_see_each_models_constants(app):
    globals_ = app.jinja_env.globals
    assert globals_["PROJECT"].ON_HOLD == project.ON_HOLD
    assert globals_["DELIVERABLE"].PENDING == deliverable.PENDING
    assert globals_["PROPOSAL"].EXPIRED == proposal.EXPIRED
    assert globals_["INVOICE"].OVERDUE == invoice.OVERDUE
    assert set(status_globals()) <= set(globals_)
