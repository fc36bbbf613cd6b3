"""Organization: the tenant, with the branding shown in its portal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow

DEFAULT_ACCENT = "#1d4ed8"
DEFAULT_LOCALE = "en_GB"
DEFAULT_MAX_FILE_BYTES = 50 * 1024**3


class Organization(db.Model):
    """A business using the portal; every other row belongs to one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    logo_key: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    accent_color: Mapped[str] = mapped_column(String(7), default=DEFAULT_ACCENT)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # How amounts are typed and shown (decimal separator, grouping): a Babel locale such as de_DE or nb_NO.
    locale: Mapped[str] = mapped_column(String(16), default=DEFAULT_LOCALE, server_default=DEFAULT_LOCALE)
    # Printed on invoices and proposals: who is billing, their tax number, and how to pay.
    business_address: Mapped[str | None] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(String(64))
    payment_instructions: Mapped[str | None] = mapped_column(Text)
    # The largest single file its people may upload (the server's MAX_FILE_MB stays the ceiling).
    max_file_bytes: Mapped[int] = mapped_column(
        BigInteger, default=DEFAULT_MAX_FILE_BYTES, server_default=str(DEFAULT_MAX_FILE_BYTES)
    )
    proposal_seq: Mapped[int] = mapped_column(Integer, default=0)
    invoice_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="organization", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        """The name shown to clients."""
        return self.name
