"""The headers every response carries: the content security policy (this origin, the pinned CDN scripts, the
storage bucket and the map's tile host, nothing wider), framing, referrer, caching and indexing rules."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, request


def is_portal_path(path: str) -> bool:
    """Whether a path belongs to the client portal (links, sessions and their pages)."""
    return path.startswith(("/p/", "/portal/"))


def script_sources(config) -> str:
    """The CSP ``script-src``: this origin and the exact pinned CDN scripts, never a whole CDN host."""
    urls = [config["HTMX_CDN_URL"]] if config.get("HTMX_USE_CDN") else []
    urls += list(config.get("CDN_SCRIPT_URLS") or ())
    return " ".join(["'self'", *urls])


def storage_sources(config) -> str:
    """On S3, the bucket's origin(s): browsers send upload parts there and follow download redirects to it."""
    if config.get("STORAGE_BACKEND") != "s3":
        return ""
    endpoint = urlsplit(config.get("S3_ENDPOINT_URL") or "")
    if endpoint.scheme and endpoint.netloc:
        return f" {endpoint.scheme}://{endpoint.netloc}"
    region = config.get("S3_REGION") or "us-east-1"
    return f" https://s3.amazonaws.com https://s3.{region}.amazonaws.com"


def tile_sources(config) -> str:
    """The CSP ``img-src`` addition for the base map: the tile URL's origin only (a ``{s}`` subdomain as ``*``)."""
    parts = urlsplit((config.get("MAP_TILE_URL") or "").replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc:
        return ""
    return f" {parts.scheme}://{parts.netloc}"


def register_security_headers(app: Flask) -> None:
    """Headers every response carries."""

    bucket = storage_sources(app.config)
    tiles = tile_sources(app.config)
    policy = (
        f"default-src 'self'; img-src 'self' data: blob:{bucket}{tiles}; style-src 'self' 'unsafe-inline'; "
        f"script-src {script_sources(app.config)}; connect-src 'self'{bucket}; media-src 'self'{bucket}; "
        "frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )

    def security_headers(response, path: str, private_media: bool = False):
        """Add the headers every response carries (also to the idle polls answered ahead of the app)."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", policy)
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if path.startswith(("/app", "/login", "/signup")):
            response.headers.setdefault("Cache-Control", "no-store")
        if is_portal_path(path):
            # A file's private preview may stay in the browser's own cache (media_files sets it); nothing else may.
            if not private_media:
                response.headers["Cache-Control"] = "no-store"
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    app.after_request(lambda response: security_headers(response, request.path, bool(g.get("private_media"))))

    from portal.client import poll

    poll.install(app, security_headers)
