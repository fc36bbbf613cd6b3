"""Emailed account tokens: derived from a stored nonce and the server secret, looked up by their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app


def derive(purpose: str, nonce: str) -> str:
    """The token for a nonce, recomputed when the email is built (the token itself is never stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"account-{purpose}:{nonce}".encode(), hashlib.sha256).hexdigest()


def digest(token: str) -> str:
    """The SHA-256 the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str) -> tuple[str, str]:
    """A new (nonce, token hash) pair for a token of this purpose."""
    nonce = secrets.token_urlsafe(32)
    return nonce, digest(derive(purpose, nonce))
