"""Logging that never writes a portal link's token, and where a logged value can never start a line of its own."""

from __future__ import annotations

import logging
import re
import unicodedata

TOKEN_IN_PATH = re.compile(r"/p/[A-Za-z0-9_-]{8,}")
REDACTED = "/p/[redacted]"
# C0/C1 controls (CR, LF, ESC…) and Unicode line/paragraph separators: each could forge or hide a log line.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
BLOCK_INDENT = "    | "
# Format characters that emoji and some scripts need; every other one (bidirectional overrides…) goes.
JOINERS = {"\u200c", "\u200d"}
# Operator account links (sign-up confirmation, password reset, team invitation) carry tokens too.
ACCOUNT_TOKEN_IN_PATH = re.compile(r"/(confirm-email|reset-password|invitations)/[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    """Replace portal tokens in a log line."""
    return ACCOUNT_TOKEN_IN_PATH.sub(r"/\1/[redacted]", TOKEN_IN_PATH.sub(REDACTED, text))


def _escape_char(match: re.Match) -> str:
    char = match.group()
    named = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
    return named.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")


def escape_controls(text: str) -> str:
    """Show control characters as escapes (``\\r``, ``\\n``, ``\\x1b``) so the text stays on one line."""
    return CONTROL.sub(_escape_char, text)


def one_line(text: str | None) -> str:
    """Text with every run of control or format characters replaced by one space (for subjects and names)."""
    text = text or ""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in JOINERS else ch for ch in text
    )
    if cleaned == text:
        return text
    return re.sub(r" {2,}", " ", cleaned).strip()


class Block(str):
    """A multi-line value logged on purpose (an email body printed in development): its lines are indented."""


def _render_block(block: Block) -> str:
    lines = [escape_controls(line) for line in str(block).split("\n")]
    return "\n".join(BLOCK_INDENT + line for line in lines)


def _safe_arg(value):
    if isinstance(value, Block):
        return _render_block(value)
    if isinstance(value, str):
        return escape_controls(value)
    return value


class RedactTokens(logging.Filter):
    """Rewrites records so access logs show /p/[redacted] instead of a working link."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class EscapeControls(logging.Filter):
    """Values logged with a record cannot add lines: a message with ``%s`` arguments is the code's own and kept,
    its string arguments are escaped; a message without arguments is taken as data and escaped whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_controls_escaped", False):
            return True
        if record.args:
            if isinstance(record.args, dict):
                # In place: gunicorn's access log passes a dict subclass that answers missing keys itself.
                for key, value in list(dict.items(record.args)):
                    dict.__setitem__(record.args, key, _safe_arg(value))
            else:
                record.args = tuple(_safe_arg(value) for value in record.args)
        elif isinstance(record.msg, Block):
            record.msg = _render_block(record.msg)
        else:
            record.msg = escape_controls(str(record.msg))
        record._controls_escaped = True
        return True


def install(logger_names=("werkzeug", "gunicorn.access", "gunicorn.error")) -> None:
    """Attach the filters to the loggers that write request lines and to their handlers (child loggers' records
    reach only the handlers)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, EscapeControls) for f in target.filters):
                # First, so redaction (which flattens a record's arguments) sees escaped values.
                target.filters.insert(0, EscapeControls())
            if not any(isinstance(f, RedactTokens) for f in target.filters):
                target.addFilter(RedactTokens())
