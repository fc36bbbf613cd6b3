"""Status, approval, sender-type and role values are named by their model's constants, never spelled as literals."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"
FIELDS = {"status", "approval_status", "sender_type", "role", "uploaded_by_type", "actor_type"}
# The model modules define the constants; these three are being split and get their constants with the split.
EXCLUDED = {"models"}


def _field(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [value for element in node.elts for value in _literals(element)]
    return []


def _defaults(args: ast.arguments) -> list[tuple[ast.arg, ast.expr]]:
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
    return pairs + [(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True) if default]


def literal_uses(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` compares, passes or defaults a status-like field to a string literal."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_field(o) in FIELDS for o in operands) and any(_literals(o) for o in operands):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.keyword) and node.arg in FIELDS and _literals(node.value):
            found.append(f"{filename}:{node.value.lineno}: {node.arg}={ast.unparse(node.value)}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg, default in _defaults(node.args):
                if arg.arg in FIELDS and _literals(default):
                    found.append(f"{filename}:{default.lineno}: {arg.arg}={ast.unparse(default)}")
        elif isinstance(node, ast.Assign) and _literals(node.value):
            if any(_field(target) in FIELDS for target in node.targets if isinstance(target, ast.Attribute)):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def _scanned() -> list[Path]:
    files = []
    for path in sorted(PORTAL.rglob("*.py")):
        relative = path.relative_to(PORTAL).as_posix()
        if relative in EXCLUDED or relative.split("/")[0] in EXCLUDED:
            continue
        files.append(path)
    return files


def test_the_scan_recognises_each_form_of_a_literal():
    source = """
if proposal.status != "draft": pass
if m.sender_type in ("operator", "client"): pass
q = select(Membership).where(Membership.role == "owner")
create(status="confirmed")
def make(status="planned"): pass
def make_late(*, approval_status="pending"): pass
deliverable.status = "ready"
if status == "on_hold": pass
"""
    assert len(literal_uses(source)) == 8


def test_constants_are_not_flagged():
    source = """
if proposal.status != DRAFT: pass
create(status=CONFIRMED)
def make(status=PLANNED): pass
label = STATUS_LABELS["draft"]
if proposal.number == "P-1": pass
"""
    assert literal_uses(source) == []


def test_the_portal_spells_no_status_value_as_a_literal():
    files = _scanned()
    assert any(path.name == "visibility.py" for path in files)
    found = [use for path in files for use in literal_uses(path.read_text(), str(path.relative_to(PORTAL.parent)))]
    assert found == [], "use the model's constant instead:\n" + "\n".join(found)
