"""Configuration read from the environment, with an embedded default that needs no services."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
UPPY_VERSION = "5.2.4"
UPPY_CDN_URL = f"https://cdn.jsdelivr.net/npm/uppy@{UPPY_VERSION}/dist/uppy.min.js"
PHOTOSWIPE_VERSION = "5.4.4"
PHOTOSWIPE_CDN_URL = f"https://cdn.jsdelivr.net/npm/photoswipe@{PHOTOSWIPE_VERSION}/dist/photoswipe.esm.min.js"
LEAFLET_VERSION = "1.9.4"
LEAFLET_CDN_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def _database_url(url: str | None) -> str:
    """Return a SQLAlchemy URL; Heroku's ``postgres://`` becomes psycopg 3's dialect."""
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _int(env: dict, name: str, default: int) -> int:
    value = env.get(name)
    return int(value) if value else default


def _redis_options(url: str | None) -> dict:
    """Connection options for a Redis URL: Heroku's ``rediss://`` uses self-signed certificates."""
    if url and url.startswith("rediss://"):
        return {"ssl_cert_reqs": "none"}
    return {}


def from_environment(env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    production = env.get("FLASK_ENV", env.get("PORTAL_ENV", "development")) == "production"
    redis_url = env.get("REDIS_URL") or None
    use_cdn = env.get("HTMX_USE_CDN", "1" if production else "0") in ("1", "true", "yes")
    config = {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY") or ("" if production else "dev-only-insecure-secret-key"),
        # Portal links are derived from this secret: changing it invalidates every link already sent.
        "LINK_SECRET": env.get("LINK_SECRET")
        or env.get("SECRET_KEY")
        or ("" if production else "dev-only-link-secret"),
        "PUBLIC_URL": (env.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
        # Without PUBLIC_URL, development shows copied links under the request's own host (any port works).
        "PUBLIC_URL_FROM_REQUEST": not env.get("PUBLIC_URL") and not production,
        # Hops of X-Forwarded-* headers to believe: 0 when clients reach the app directly, 1 behind Heroku's router.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "PORTAL_CODE_RATE_LIMIT": env.get("PORTAL_CODE_RATE_LIMIT", "30 per 15 minutes"),
        "PORTAL_ENTRY_RATE_LIMIT": env.get("PORTAL_ENTRY_RATE_LIMIT", "120 per minute"),
        "PORTAL_POST_RATE_LIMIT": env.get("PORTAL_POST_RATE_LIMIT", "30 per minute;300 per hour"),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL")),
        # A ping before every checkout costs a round trip per request; recycling connections before the server's
        # idle timeout keeps them healthy instead (set DATABASE_PRE_PING=1 behind flaky networks).
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": env.get("DATABASE_PRE_PING", "") in ("1", "true", "yes"),
            "pool_recycle": _int(env, "DATABASE_POOL_RECYCLE", 280),
        },
        "REDIS_URL": redis_url,
        "REDIS_OPTIONS": _redis_options(redis_url),
        "RQ_QUEUE": env.get("RQ_QUEUE", "portal"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": _redis_options(redis_url),
        # Redis going away must not take the site with it: limits fall back to memory until it returns.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30 per minute;300 per hour"),
        "CERTIFICATE_RATE_LIMIT": env.get("CERTIFICATE_RATE_LIMIT", "20 per minute"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 512) * 1024 * 1024,
        # Files sent in parts straight to storage (deliverables, project files) may be this large.
        "MAX_FILE_BYTES": _int(env, "MAX_FILE_MB", 50 * 1024) * 1024 * 1024,
        # "Download all" of a deliverable this large or larger is built once as a stored ZIP by a worker job.
        "ZIP_BUNDLE_BYTES": _int(env, "ZIP_BUNDLE_MB", 200) * 1024 * 1024,
        # Prepared ZIPs are deleted this many days after they were built (0 keeps them); asked again, rebuilt.
        "BUNDLE_RETENTION_DAYS": _int(env, "BUNDLE_RETENTION_DAYS", 30),
        # How long one signed part URL stays valid: long enough to send one part on a slow line.
        "UPLOAD_PART_URL_SECONDS": _int(env, "UPLOAD_PART_URL_SECONDS", 900),
        # Downloads from S3 redirect to a presigned URL valid this long (after the access check and the audit).
        "DOWNLOAD_URL_SECONDS": _int(env, "DOWNLOAD_URL_SECONDS", 60),
        "MAX_LOGO_BYTES": _int(env, "MAX_LOGO_KB", 2048) * 1024,
        # Decoding costs memory per pixel; larger web images are refused at upload, read from their header only.
        "MAX_IMAGE_PIXELS": _int(env, "MAX_IMAGE_MEGAPIXELS", 100) * 1_000_000,
        # Previews: an image header may claim this many pixels; a TIFF raster (read at reduced scale) this many.
        "PREVIEW_MAX_IMAGE_PIXELS": _int(env, "PREVIEW_MAX_IMAGE_MEGAPIXELS", 200) * 1_000_000,
        "PREVIEW_MAX_RASTER_PIXELS": _int(env, "PREVIEW_MAX_RASTER_MEGAPIXELS", 4000) * 1_000_000,
        "PREVIEW_MAX_DECODE_BYTES": _int(env, "PREVIEW_MAX_DECODE_MB", 400) * 1_000_000,
        # A preview job (a long video's proxy) may run this long; a claim older than this is taken over.
        "PREVIEW_JOB_TIMEOUT": _int(env, "PREVIEW_JOB_TIMEOUT", 3600),
        "STORAGE_BACKEND": env.get("STORAGE_BACKEND") or ("s3" if env.get("S3_BUCKET") else "local"),
        "STORAGE_DIR": env.get("STORAGE_DIR") or str(INSTANCE_DIR / "uploads"),
        "S3_BUCKET": env.get("S3_BUCKET"),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("S3_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID") or env.get("AWS_ACCESS_KEY_ID"),
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY") or env.get("AWS_SECRET_ACCESS_KEY"),
        "S3_PREFIX": env.get("S3_PREFIX", ""),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "portal@localhost"),
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 30),
        # Several client messages on one project within this window become one email.
        "EMAIL_BATCH_SECONDS": _int(env, "EMAIL_BATCH_SECONDS", 180),
        "EMAIL_RETRY_BASE_SECONDS": _int(env, "EMAIL_RETRY_BASE_SECONDS", 30),
        "EMAIL_MAX_ATTEMPTS": _int(env, "EMAIL_MAX_ATTEMPTS", 8),
        "EMAIL_SWEEP_SECONDS": _int(env, "EMAIL_SWEEP_SECONDS", 15),
        # Longer than a job can run (SMTP timeout included), so a live delivery is never taken for a dead one.
        "EMAIL_STUCK_SECONDS": _int(env, "EMAIL_STUCK_SECONDS", 600),
        # Sent emails are deleted from the outbox (and the email log) after this many days; 0 keeps them.
        "EMAIL_RETENTION_DAYS": _int(env, "EMAIL_RETENTION_DAYS", 90),
        "HTMX_CDN_URL": "https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js",
        "HTMX_SRI": "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg",
        "HTMX_USE_CDN": use_cdn,
        # Further exact script URLs loaded from a CDN; the CSP allows these and nothing else of their host.
        "CDN_SCRIPT_URLS": [UPPY_CDN_URL, PHOTOSWIPE_CDN_URL, LEAFLET_CDN_URL] if use_cdn else [],
        "UPPY_CDN_URL": UPPY_CDN_URL,
        # The gallery's viewer, an ES module: the CDN copy when allowed, else the same bytes vendored.
        "PHOTOSWIPE_CDN_URL": PHOTOSWIPE_CDN_URL,
        "PHOTOSWIPE_LOCAL": f"vendor/photoswipe-{PHOTOSWIPE_VERSION}/photoswipe.esm.min.js",
        "PHOTOSWIPE_SRI": "sha384-WkkO3GCmgkC3VQWpaV8DqhKJqpzpF9JoByxDmnV8+oTJ7m3DfYEWX1fu1scuS4+s",
        "UPPY_SRI": "sha384-hl+zw0fpZ6cVAtnkwy96IFC3oGXSYqe8O8yMtUiSKhfHXST3vg5wvbieKwocAzM9",
        "LEAFLET_CDN_URL": LEAFLET_CDN_URL,
        "LEAFLET_SRI": "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH",
        # The base map's tiles; the CSP lets images come from this URL's host and no other tile server.
        "MAP_TILE_URL": env.get("MAP_TILE_URL") or OSM_TILE_URL,
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION") or OSM_ATTRIBUTION,
        "SESSION_COOKIE_HTTPONLY": True,
        # Portal sessions carry their own start time; re-signing the cookie on every poll would only cost time.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Over https Flask-WTF would also demand a same-origin Referer, which portal pages never send
        # (Referrer-Policy: no-referrer); the session-bound token and SameSite cookies guard every POST.
        "WTF_CSRF_SSL_STRICT": False,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
    return config


class ConfigError(RuntimeError):
    """A required production setting is missing."""


def check_production(config: dict) -> None:
    """Refuse to start in production without the settings it cannot run safely without."""
    if config.get("ENV_NAME") != "production":
        return
    if not config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY must be set in production")
    if not config.get("LINK_SECRET"):
        raise ConfigError("LINK_SECRET (or SECRET_KEY) must be set in production")
    public = urlsplit(config.get("PUBLIC_URL") or "")
    if config.get("PUBLIC_URL_FROM_REQUEST") or public.scheme != "https" or not public.hostname:
        raise ConfigError(
            "PUBLIC_URL must be set in production to the https:// address clients use (e.g. https://portal.example.com)"
        )
