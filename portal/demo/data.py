"""The demo's fixed data: its operators, organizations, where each project flies, and its portal links."""

from __future__ import annotations

from portal.models.user import ROLE_MEMBER, ROLE_OWNER

DEMO_SLUG = "skyline-drone-works"
SECOND_SLUG = "lumen-creative-studio"
ORGANIZATIONS = [
    # (slug, name, web domain, contact mailbox at that domain, accent colour, currency)
    (DEMO_SLUG, "Skyline Drone Works", "skyline-drones.example", "hello", "#0f766e", "EUR"),
    (SECOND_SLUG, "Lumen Creative Studio", "lumen-creative.example", "studio", "#7c3aed", "GBP"),
]
# What the demo organization prints on its invoices and proposals.
BUSINESS_DETAILS = {
    DEMO_SLUG: {
        "business_address": "Tollbugata 7\n3044 Drammen\nNorway",
        "tax_id": "NO 912 345 678 MVA",
        "payment_instructions": "DNB Bank ASA, Skyline Drone Works AS\nIBAN NO93 8601 1117 947 · BIC DNBANOKK\n"
        "Please quote the invoice number.",
    }
}
OPERATORS = [
    # (email, password, name, org slug, role)
    ("owner@skyline-drones.example", "skyline-demo-2026", "Maya Okafor", DEMO_SLUG, ROLE_OWNER),
    ("pilot@skyline-drones.example", "skyline-pilot-2026", "Jonas Berg", DEMO_SLUG, ROLE_MEMBER),
    ("studio@lumen-creative.example", "lumen-demo-2026", "Ines Duarte", SECOND_SLUG, ROLE_OWNER),
]
SHARED_CLIENT_EMAIL = "alex.morgan@harbourview.example"

# Where each demo project flies: the site its name promises, with its latitude and longitude (WGS 84, decimal
# degrees) at the end of the text; site_position() reads them back for the project's map.
SITES = {
    "Harbourview penthouse listing": "Harbourview Residences, Aker Brygge, Oslo (59.9103, 10.7275)",
    "Harbourview marina twilight shoot": "Harbourview Marina, Tjuvholmen, Oslo (59.9071, 10.7208)",
    "Harbourview rooftop garden": "Harbourview Residences roof terrace, Aker Brygge, Oslo (59.9106, 10.7281)",
    "Northfield array thermal inspection": "Northfield Solar Park, array B, Nannestad (60.2174, 11.0123)",
    "Northfield site progress survey": "Northfield Solar Park, extension plot 7, Nannestad (60.2201, 11.0187)",
    "Riverside Festival aftermovie": "Riverside Park festival grounds, Akerselva, Oslo (59.9226, 10.7520)",
    "Riverside Festival 2027 teaser": "Riverside Park main stage, Akerselva, Oslo (59.9231, 10.7534)",
    "Kestrel bridge deck orthomosaic": "Kestrel Bridge over the Drammenselva, Drammen (59.7439, 10.2046)",
    "Kestrel quarry volume estimate": "Kestrel Quarry, north pit, Lier (59.7925, 10.2548)",
    "Festival 2027 aerial package": "Riverside Park festival grounds, Akerselva, Oslo (59.9226, 10.7520)",
    "Harbourview brand identity": "Harbourview Living showroom, Bjørvika, Oslo (59.9076, 10.7530)",
}


def site_position(name: str) -> tuple[float, float]:
    """The latitude and longitude written at the end of a demo site's text."""
    lat, lon = SITES[name].rsplit("(", 1)[1].rstrip(")").split(", ")
    return float(lat), float(lon)


# (org slug, client email, project name or None for a client-wide link, access code or None)
LINKS = [
    (DEMO_SLUG, SHARED_CLIENT_EMAIL, "Harbourview marina twilight shoot", "246810"),
    (DEMO_SLUG, "ops@northfield-solar.example", None, None),
    (DEMO_SLUG, "survey@kestrel-civil.example", "Kestrel bridge deck orthomosaic", "135790"),
    (SECOND_SLUG, SHARED_CLIENT_EMAIL, "Harbourview brand identity", "975310"),
]
