"""Emailed tokens and codes: derived from a stored nonce and the server secret, looked up by their SHA-256."""

from __future__ import annotations

import base64
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


def link_token(nonce: str) -> str:
    """A portal link's 256-bit token, recomputed from its nonce and the server secret (never stored)."""
    key = current_app.config["LINK_SECRET"].encode()
    digest = hmac.new(key, b"portal-link:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def email_code(nonce: str) -> str:
    """A verification's 6-digit code, recomputed from its nonce and the server secret (never stored)."""
    key = current_app.config["LINK_SECRET"].encode()
    digest = hmac.new(key, b"email-code:" + nonce.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"
