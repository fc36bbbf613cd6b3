"""Dashboard: archive, restore and delete clients, projects, deliverables and proposals."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, url_for

from portal.dashboard import bp
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.htmx import done
from portal.models import Client, Deliverable, Project, Proposal
from portal.services import archive as archive_service


@dataclass(frozen=True)
class Kind:
    """One archivable kind: its model, URL argument and where its pages are."""

    path: str
    model: type
    arg: str
    noun: str

    def show_url(self, obj) -> str:
        """Where the object is shown."""
        if self.model is Deliverable:
            return url_for("dashboard.projects_show", project_id=obj.project_id, _anchor=f"deliverable-{obj.id}")
        return url_for(f"dashboard.{self.path}_show", **{self.arg: obj.id})

    def after_delete_url(self, obj) -> str:
        """Where to go once the object is gone."""
        if self.model is Deliverable:
            return url_for("dashboard.projects_show", project_id=obj.project_id, _anchor="deliverables")
        return url_for(f"dashboard.{self.path}_index")

    def title(self, obj) -> str:
        """How the object is named on the confirm page."""
        return getattr(obj, "number", None) or getattr(obj, "name", None) or obj.title


KINDS = (
    Kind("clients", Client, "client_id", "client"),
    Kind("projects", Project, "project_id", "project"),
    Kind("deliverables", Deliverable, "deliverable_id", "deliverable"),
    Kind("proposals", Proposal, "proposal_id", "proposal"),
)


def _archive_view(kind: Kind, archived: bool):
    def view(**ids):
        obj = load(kind.model, ids[kind.arg])
        archive_service.set_archived(obj, current_actor(), archived)
        verb = "archived: it is hidden from lists and from the client" if archived else "restored"
        return done(kind.show_url(obj), f"{kind.noun.capitalize()} {kind.title(obj)} {verb}.")

    view.__doc__ = f"{'Archive' if archived else 'Restore'} a {kind.noun}."
    return view


def _confirm_view(kind: Kind):
    def view(**ids):
        obj = load(kind.model, ids[kind.arg])
        return render_template(
            "dashboard/confirm_delete.html",
            kind=kind,
            obj=obj,
            title=kind.title(obj),
            blockers=archive_service.blockers(obj),
            back_url=kind.show_url(obj),
            delete_url=url_for(f"dashboard.{kind.path}_delete", **{kind.arg: obj.id}),
        )

    view.__doc__ = f"Ask before deleting a {kind.noun}, or say what keeps it."
    return view


def _delete_view(kind: Kind):
    def view(**ids):
        obj = load(kind.model, ids[kind.arg])
        confirm_url = url_for(f"dashboard.{kind.path}_delete_confirm", **{kind.arg: obj.id})
        title, after = kind.title(obj), kind.after_delete_url(obj)
        try:
            archive_service.delete_object(obj, current_actor())
        except archive_service.DeleteBlocked:
            return done(confirm_url)
        return done(after, f"{kind.noun.capitalize()} {title} deleted.")

    view.__doc__ = f"Delete a {kind.noun} nothing depends on."
    return view


for _kind in KINDS:
    _base = f"/{_kind.path}/<int:{_kind.arg}>"
    bp.add_url_rule(f"{_base}/archive", f"{_kind.path}_archive", _archive_view(_kind, True), methods=["POST"])
    bp.add_url_rule(f"{_base}/restore", f"{_kind.path}_restore", _archive_view(_kind, False), methods=["POST"])
    bp.add_url_rule(f"{_base}/delete", f"{_kind.path}_delete_confirm", _confirm_view(_kind), methods=["GET"])
    bp.add_url_rule(f"{_base}/delete", f"{_kind.path}_delete", _delete_view(_kind), methods=["POST"])
