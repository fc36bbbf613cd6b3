"""Dashboard: clients."""

from __future__ import annotations

from flask import g, request, url_for

from portal.dashboard import bp, client_page
from portal.dashboard.forms import ClientForm
from portal.dashboard.guard import current_actor
from portal.dashboard.loaders import load
from portal.dashboard.paging import paginate, search_text
from portal.forms import form_page
from portal.htmx import done, render
from portal.models import Client
from portal.services import clients as client_service

FORM = "dashboard/clients/form.html"


def _form_data(form: ClientForm) -> dict:
    return {"email": form.email.data, "name": form.name.data, "company": form.company.data, "phone": form.phone.data}


@bp.get("/clients")
def clients_index():
    """List the organization's clients a page at a time, searchable."""
    search = search_text()
    archived = request.args.get("archived") == "1"
    page = paginate(
        client_service.list_clients(g.org.id, search, archived=archived),
        "dashboard.clients_index",
        {"q": search, "archived": "1" if archived else None},
    )
    return render(
        "dashboard/clients/index.html", "client_list", clients=page.rows, page=page, search=search, archived=archived
    )


@bp.route("/clients/new", methods=["GET", "POST"])
def clients_new():
    """Create a client."""
    form = ClientForm()

    def save():
        client = client_service.create_client(g.org.id, current_actor(), **_form_data(form))
        return done(url_for("dashboard.clients_show", client_id=client.id), f"Client {client.name} added.")

    return form_page(form, FORM, "client_form", save, form.name, client=None)


@bp.get("/clients/<int:client_id>")
def clients_show(client_id: int):
    """A client with their projects and client-wide portal links."""
    client = load(Client, client_id)
    return client_page.render(client)


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
def clients_edit(client_id: int):
    """Edit a client's details."""
    client = load(Client, client_id)
    form = ClientForm(obj=client)

    def save():
        client_service.update_client(client, current_actor(), **_form_data(form))
        return done(url_for("dashboard.clients_show", client_id=client.id), "Client saved.")

    return form_page(form, FORM, "client_form", save, form.name, client=client)
