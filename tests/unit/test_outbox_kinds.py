"""The outbox's kinds: each one class with its label, audience and templates, and a package no layer loops through."""

import ast
from pathlib import Path

import pytest

from portal.outbox import KIND_LABELS, KINDS, NotWanted, email_context
from portal.outbox.registry import ACCOUNT, CLIENT, OPERATOR

PORTAL = Path(__file__).resolve().parents[2] / "portal"
TEMPLATES = PORTAL / "templates"
# The client updates the link's "Emails" toggle controls; the others always go out.
UPDATES = {"messages", "deliverable_ready", "proposal_sent", "invoice_sent", "project_progress"}


def test_every_email_template_has_exactly_one_registered_kind_and_back():
    on_disk = {p.stem for p in (TEMPLATES / "emails").glob("*.html") if not p.stem.startswith("_")}
    assert set(KINDS) == on_disk
    for kind in KINDS.values():
        assert (TEMPLATES / f"{kind.template()}.html").is_file()
        assert (TEMPLATES / f"{kind.template()}.txt").is_file()


def test_every_kind_has_a_label_an_audience_and_its_own_content():
    assert set(KIND_LABELS) == set(KINDS) and all(KIND_LABELS.values())
    assert {kind.name for kind in KINDS.values() if kind.update} == UPDATES
    for kind in KINDS.values():
        assert kind.audience in (CLIENT, OPERATOR, ACCOUNT)
        assert callable(getattr(kind, "queue", None)), kind.name
        assert not kind.update or kind.audience == CLIENT


def test_an_unknown_kind_is_a_lookup_error_not_wanted_is_one_too():
    class Row:
        kind = "carrier_pigeon"
        context = {}

    with pytest.raises(LookupError, match="carrier_pigeon"):
        email_context(Row())
    assert issubclass(NotWanted, LookupError)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, inside a function) for every import of a module."""
    found = []

    def visit(node, nested):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom) and child.module:
                found.extend((f"{child.module}.{alias.name}", inner) for alias in child.names)
            elif isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            visit(child, inner)

    visit(ast.parse(path.read_text()), False)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((PORTAL / folder).rglob("*.py"))


def test_services_never_reach_up_to_the_jobs():
    # Jobs are entry points like routes and may call services; services hand work to jobs only through the
    # outbox's registered dispatch, so the two never import each other in a cycle.
    for path in _modules("services"):
        assert not [m for m, _ in _imports(path) if m.startswith("portal.jobs")], path
    for path in _modules("jobs"):
        assert not [m for m, inner in _imports(path) if inner and m.startswith("portal.services")], path
    for path in _modules("outbox"):
        imported = [m for m, _ in _imports(path)]
        assert not [m for m in imported if m.startswith("portal.jobs")], path
        # The outbox sits below the services: it may use only the token derivations, which import nothing of ours.
        assert not [m for m in imported if m.startswith("portal.services") and m != "portal.services.tokens"], path
        assert not [m for m, inner in _imports(path) if inner and m.startswith("portal.")], path


def test_every_outbox_module_is_short():
    assert all(len(path.read_text().splitlines()) < 300 for path in _modules("outbox"))
