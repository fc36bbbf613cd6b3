"""The client portal application factory."""

from __future__ import annotations

import logging
import sys

from flask import Flask, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException

from portal.config import check_production, from_environment
from portal.security import is_portal_path, register_security_headers


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, overridden by ``config`` (tests pass one)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(from_environment())
    if config:
        app.config.update(config)
        if "PUBLIC_URL" in config and "PUBLIC_URL_FROM_REQUEST" not in config:
            app.config["PUBLIC_URL_FROM_REQUEST"] = False
    check_production(app.config)
    register_proxy(app)
    app.jinja_env.undefined = StrictUndefined
    register_logging(app)
    register_extensions(app)
    register_outbox(app)
    register_previews(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_proxy(app: Flask) -> None:
    """Believe ``TRUSTED_PROXIES`` hops of X-Forwarded-For/-Proto/-Port, so the client's address is real."""
    hops = app.config.get("TRUSTED_PROXIES") or 0
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # X-Forwarded-Host stays untrusted: Heroku's router passes a client's own through, and links use PUBLIC_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=hops)


def register_logging(app: Flask) -> None:
    """Log to stdout, as a dyno expects, with portal tokens redacted from request lines."""
    from portal import logs

    logs.install(("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name))
    if not app.debug and not app.testing and not any(isinstance(h, logging.StreamHandler) for h in app.logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app.logger.addHandler(handler)
        app.logger.setLevel(logging.INFO)
        logs.install((app.logger.name,))  # the new handler too: records of child loggers reach only handlers


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from portal import models  # noqa: F401  (registers the tables)
    from portal.extensions import csrf, db, limiter, login_manager, mail, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from pathlib import Path

        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    from portal.services.sessions import load_user

    login_manager.user_loader(load_user)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.close()
                # SQLite's own lower() only folds ASCII: searches ignore case in every alphabet, as on PostgreSQL.
                dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def register_outbox(app: Flask) -> None:
    """Hand committed outbox rows to the email job (the outbox itself knows nothing of jobs)."""
    from portal.jobs.email import dispatch

    app.extensions["outbox.dispatch"] = dispatch


def register_previews(app: Flask) -> None:
    """Hand new media files to the preview job (services queue them without knowing of jobs)."""
    from portal.jobs.previews import enqueue_previews

    app.extensions["media.previews"] = enqueue_previews


def register_blueprints(app: Flask) -> None:
    """Attach the operator, auth and health blueprints."""
    from portal.auth import bp as auth_bp
    from portal.client import bp as portal_bp
    from portal.dashboard import bp as dashboard_bp
    from portal.media import bp as media_bp
    from portal.parts import bp as parts_bp
    from portal.verify import bp as verify_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(parts_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(dashboard_bp, url_prefix="/app")

    @app.get("/")
    def index():
        """Send operators to their dashboard, everyone else to the login page."""
        if current_user.is_authenticated:
            return redirect(url_for("dashboard.home"))
        return redirect(url_for("auth.login"))

    @app.get("/healthz")
    def healthz():
        """Tell a load balancer whether the database and (when configured) Redis answer, and what the workers do."""
        from sqlalchemy import text

        from portal.extensions import db
        from portal.jobs import get_redis

        checks = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            db.session.rollback()
            checks["database"] = f"error: {exc.__class__.__name__}"
        redis = get_redis()
        if redis is None:
            checks["redis"] = "not configured"
        else:
            try:
                redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {exc.__class__.__name__}"
        healthy = all(value in ("ok", "not configured") for value in checks.values())
        if redis is not None and checks["database"] == "ok":
            from portal.jobs.heartbeat import workers_status

            # Reported, not judged: a web process serves pages whether or not a worker runs.
            checks["worker"] = workers_status()
        return {"status": "ok" if healthy else "error", **checks}, 200 if healthy else 503

    @app.get("/favicon.ico")
    def favicon():
        """The app's icon, where browsers look for it without being told."""
        response = app.send_static_file("favicon.ico")
        response.cache_control.public, response.cache_control.max_age = True, 86400
        return response

    @app.get("/robots.txt")
    def robots():
        """Keep crawlers out of links and the app."""
        body = "User-agent: *\nDisallow: /p/\nDisallow: /portal/\nDisallow: /app/\n"
        return app.response_class(body, mimetype="text/plain")


def register_errorhandlers(app: Flask) -> None:
    """Render readable error pages; htmx requests get the same page."""

    def render_error(error: HTTPException):
        code = error.code or 500
        if code == 404 and is_portal_path(request.path):
            # One identical page for every unknown, expired or revoked link and dead session: nothing to tell apart.
            response = app.make_response((render_template("client/not_active.html"), 404))
            if request.headers.get("HX-Request") == "true":
                # htmx swaps no 404: reload, so a click or poll after a revocation lands on this page.
                response.headers["HX-Refresh"] = "true"
            return response
        return render_template("errors/error.html", error=error, code=code), code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/error.html", error=error, code=400), 400


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates use."""
    from portal import formatting
    from portal.services import bundles, organizations

    app.jinja_env.filters.update(formatting.FILTERS)
    # Blocks rendered out of band see swap_oob=True (portal.htmx.render); everywhere else it is False.
    app.jinja_env.globals.update(htmx_src=formatting.htmx_sources, swap_oob=False, logo_url=formatting.logo_url)
    app.jinja_env.globals.update(formatting.status_globals())
    # "Download all" of files this big is prepared by a worker rather than streamed: the card asks, not restates.
    app.jinja_env.globals.update(zip_is_prepared=bundles.is_big, file_limit=organizations.file_limit)
    from portal.models.deliverable import APPROVAL_LABELS

    app.jinja_env.globals.update(approval_labels=APPROVAL_LABELS)


def register_commands(app: Flask) -> None:
    """Command-line tools (``flask --app wsgi …``)."""
    from portal.cli import make_previews, seed_demo, sweep_outbox, worker

    app.cli.add_command(seed_demo)
    app.cli.add_command(worker)
    app.cli.add_command(sweep_outbox)
    app.cli.add_command(make_previews)
