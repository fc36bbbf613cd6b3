"""Logging that never writes a portal link's token."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"/p/[A-Za-z0-9_-]{8,}")
REDACTED = "/p/[redacted]"
# Operator account links (sign-up confirmation, password reset, team invitation) carry tokens too.
ACCOUNT_TOKEN_IN_PATH = re.compile(r"/(confirm-email|reset-password|invitations)/[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """Replace portal tokens in a log line."""
    return ACCOUNT_TOKEN_IN_PATH.sub(r"/\1/[redacted]", TOKEN_IN_PATH.sub(REDACTED, text))


class RedactTokens(logging.Filter):
    """Rewrites records so access logs show /p/[redacted] instead of a working link."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger_names=("werkzeug", "gunicorn.access", "gunicorn.error")) -> None:
    """Attach the filter to the loggers that write request lines."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
