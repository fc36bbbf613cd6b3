"""The pages proposals and invoices share: the list, the draft form, the status card's actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, g, request, url_for

from portal import pdf
from portal.dashboard.billing_forms import LinesForm, fill_choices
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.extensions import db
from portal.htmx import done, invalid, render
from portal.models import Client
from portal.models.billing_document import DRAFT
from portal.services.billing import Drafts
from portal.services.errors import ServiceError
from portal.services.search import matches


@dataclass(frozen=True)
class DocumentPages:
    """One kind of billing document on the dashboard; its kind's name names its templates, endpoints and id argument."""

    drafts: Drafts
    form_class: type[LinesForm]
    status_labels: dict[str, str]
    # The SQL condition for the documents the list's status filter keeps, given the status and today.
    status_condition: Callable[[str, date], object]
    # The empty forms the status card shows (a proposal's accept and decline), built afresh for each render.
    card_forms: Callable[[], dict] = dict

    def add_routes(self, blueprint: Blueprint) -> None:
        """Register the kind's show, edit and PDF views as ``<noun>s_show``, ``<noun>s_edit`` and ``<noun>s_pdf``."""
        base = f"/{self.noun}s/<int:{self.noun}_id>"
        views = (
            ("show", "", ["GET"], self.show, f"A {self.noun} with its lines, totals and actions."),
            ("edit", "/edit", ["GET", "POST"], self.edit, f"Edit a draft {self.noun}."),
            ("pdf", "/pdf", ["GET"], self.download, f"Download the {self.noun} as a PDF."),
        )
        for view, suffix, methods, handler, doc in views:
            blueprint.add_url_rule(base + suffix, f"{self.noun}s_{view}", self._loading(handler, doc), methods=methods)

    def _loading(self, handler: Callable, doc: str) -> Callable:
        def view(**ids):
            return handler(load(self.model, ids[f"{self.noun}_id"]))

        view.__doc__ = doc
        return view

    @property
    def noun(self) -> str:
        """The kind's name: "proposal" or "invoice"."""
        return self.drafts.kind

    @property
    def model(self) -> type:
        """The kind's model."""
        return self.drafts.model

    @property
    def label(self) -> str:
        """The noun as a sentence starts it."""
        return self.noun.capitalize()

    def template(self, page: str) -> str:
        """The template of one of the kind's pages (``index``, ``form``, ``show``)."""
        return f"dashboard/{self.noun}s/{page}.html"

    def url(self, view: str, document) -> str:
        """The dashboard URL of one of the document's views (``show``, ``edit``, …)."""
        return url_for(f"dashboard.{self.noun}s_{view}", **{f"{self.noun}_id": document.id})

    def list_query(self, columns: tuple):
        """The organization's documents with their client's name, newest first."""
        return (
            db.select(*columns, Client.name.label("client_name"))
            .join(Client, Client.id == self.model.client_id)
            .where(self.model.org_id == g.org.id)
            .order_by(self.model.id.desc())
        )

    def list_page(self, query, search_columns: tuple, page_args: dict | None = None, **extra):
        """The list page of ``query`` narrowed by the status filter and the search, a page at a time, or only its
        list block; an unknown status shows everything."""
        status = request.args.get("status", "")
        status = status if status in self.status_labels else ""
        if status:
            query = query.where(self.status_condition(status, date.today()))
        search = search_text()
        if search:
            query = query.where(matches(search, *search_columns))
        args = {"q": search, "status": status, **(page_args or {})}
        page = paginate(query, f"dashboard.{self.noun}s_index", args)
        return render(
            self.template("index"),
            "document_list",
            page=page,
            search=search,
            status_filter=status,
            status_labels=self.status_labels,
            today=date.today(),
            **{f"{self.noun}s": page.rows},
            **extra,
        )

    def show_context(self, document, **overrides) -> dict:
        """What the show page and its status card render; ``overrides`` keeps a submitted form or names an error."""
        context = {
            self.noun: document,
            "client": db.session.get(Client, document.client_id),
            "status": document.display_status(date.today()),
            "status_labels": self.status_labels,
            **self.card_forms(),
            "action_error": None,
        }
        context.update(overrides)
        return context

    def new(self, form: LinesForm):
        """The blank form on GET; on POST, a new numbered draft."""
        return self._form_page(form, None)

    def edit(self, document):
        """A draft's form on GET, saved on POST; any other status cannot be edited."""
        if document.status != DRAFT:
            return done(self.url("show", document), f"Only a draft {self.noun} can be edited.")
        form = fill_choices(self.form_class(obj=document), g.org.id, document.client_id, document.project_id)
        return self._form_page(form, document)

    def _form_page(self, form: LinesForm, document):
        template = self.template("form")
        context = {"form": form, self.noun: document}
        if form.is_submitted():
            return self._submit(form, template, context, document)
        if document is not None:
            form.project_id.data = document.project_id or 0
            form.load_lines(document.lines, document.currency, g.org.locale)
        return render(template, **context)

    def _submit(self, form: LinesForm, template: str, context: dict, document):
        if "add_line" in request.form:
            form.lines.append_entry()
            return render(template, "document_form", **context)
        if "refresh_projects" in request.form:
            return render(template, "document_form", **context)
        lines = form.parsed_lines(g.org.currency, g.org.locale) if form.validate_on_submit() else None
        if lines is not None:
            try:
                if document is None:
                    saved = self.drafts.create(g.org, current_actor(), **form.service_fields(lines))
                else:
                    saved = self.drafts.update(document, g.org, current_actor(), **form.service_fields(lines))
            except ServiceError as exc:
                field = getattr(form, exc.field, form.lines)
                field.errors = [*field.errors, exc.message]
            else:
                message = f"{self.label} {saved.number} drafted." if document is None else f"{self.label} saved."
                return done(self.url("show", saved), message)
        db.session.rollback()
        return invalid(template, "document_form", **context)

    def show(self, document):
        """The document with its lines, totals and status card."""
        return render(self.template("show"), **self.show_context(document))

    def download(self, document):
        """The document as a PDF file (a proposal once accepted: the signed copy)."""
        return pdf.download(document, g.org)

    def invalid_card(self, document, **overrides):
        """The status card again, with a rejected form or an error (``action_error``) in it."""
        return invalid(self.template("show"), "status_card", **self.show_context(document, **overrides))

    def status_action(self, document, action: Callable[[], object], message: str, **overrides):
        """Run a status change and swap the status card: the new state, or the error beside the forms as sent."""
        try:
            action()
        except ServiceError as exc:
            db.session.rollback()
            return self.invalid_card(document, action_error=exc.message, **overrides)
        context = self.show_context(document)
        return done(self.url("show", document), message, template=self.template("show"), block="status_card", **context)
