"""AccountToken: a single-use emailed link that proves an address (sign-up, confirmation, password reset)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

PURPOSE_SIGNUP = "signup"
PURPOSE_CONFIRM = "confirm_email"
PURPOSE_RESET = "reset_password"
PURPOSES = (PURPOSE_SIGNUP, PURPOSE_CONFIRM, PURPOSE_RESET)


class AccountToken(db.Model):
    """An emailed token: the database keeps its SHA-256 and a nonce it is derived from with the server secret."""

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), index=True)
    # Empty for a sign-up: the account is only created once its address is proven.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A pending sign-up's details, applied when the address is proven.
    name: Mapped[str | None] = mapped_column(String(120))
    org_name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
