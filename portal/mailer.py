"""Email messages: built with Flask-Mail from templates branded with the organization, sent over SMTP or logged."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.charset import QP, Charset
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mail import Connection, Message

from portal import logs, urls
from portal.models.notification import TRANSPORT_LOG, TRANSPORT_SMTP
from portal.services.organizations import logo_name


@dataclass(frozen=True)
class SendFailure(Exception):
    """A delivery that did not happen; temporary ones are retried."""

    reason: str
    temporary: bool

    def __str__(self) -> str:
        return self.reason


class TimedConnection(Connection):
    """Flask-Mail's SMTP connection with a timeout, so a stalled server cannot hold a job forever."""

    def configure_host(self):
        """Open the SMTP connection like Flask-Mail does, with ``MAIL_TIMEOUT`` seconds per operation."""
        timeout = current_app.config["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class EncodedMessage(Message):
    """Flask-Mail's message with quoted-printable text and HTML parts: Flask-Mail sends UTF-8 bodies unencoded, so a
    paragraph longer than SMTP's 998-octet line limit would be refused ("500 Line too long")."""

    def _mimetext(self, text, subtype: str = "plain") -> MIMEText:
        charset = Charset(self.charset or "utf-8")
        charset.body_encoding = QP
        return MIMEText(text, _subtype=subtype, _charset=charset)


def message_id(notification_id: int) -> str:
    """The same Message-ID for every attempt of a notification, so receivers can drop a duplicate."""
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"] or "")[1]
    domain = sender.rpartition("@")[2] or urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"<notification-{notification_id}@{domain}>"


def public_url_for(endpoint: str, **values) -> str:
    """An absolute URL under ``PUBLIC_URL``, built without a request (workers have none)."""
    return urls.public_url_for(endpoint, **values)


def brand(org) -> dict:
    """What every email shows of the organization."""
    logo = logo_name(org)
    return {
        "org": org,
        "org_name": org.name,
        "accent": org.accent_color or "#1d4ed8",
        "logo": public_url_for("media.logo", org_id=org.id, name=logo) if logo else None,
        "contact_email": org.contact_email,
        "website": org.website,
    }


def account_brand() -> dict:
    """What an operator's own account emails show: the product, not an organization."""
    return {
        "org": None,
        "org_name": "Client portal",
        "accent": "#1d4ed8",
        "logo": None,
        "contact_email": None,
        "website": None,
    }


def build(notification, org, context: dict) -> Message:
    """The Flask-Mail message for a notification: HTML and plain-text parts from ``emails/<kind>``."""
    branding = brand(org) if org is not None else account_brand()
    values = {**branding, **context, "subject": notification.subject}
    sender_address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or "portal@localhost"
    message = EncodedMessage(
        subject=notification.subject,
        recipients=[notification.to_email],
        # A line break in the organization's name would make the header invalid (every email refused) or forge one.
        sender=formataddr((logs.one_line(branding["org_name"]), sender_address)),
        reply_to=branding["contact_email"] or None,
        body=render_template(f"emails/{notification.kind}.txt", **values),
        html=render_template(f"emails/{notification.kind}.html", **values),
    )
    message.msgId = message_id(notification.id)
    for filename, content_type, data in context.get("attachments", ()):
        message.attach(filename, content_type, data)
    # Recorded with the attempt (the job's commit saves it): the email log tells a logged email from a sent one.
    notification.transport = TRANSPORT_SMTP if uses_smtp() else TRANSPORT_LOG
    return message


def uses_smtp() -> bool:
    """Whether messages go to an SMTP server (or to Flask-Mail's test recorder) rather than the log."""
    return bool(current_app.config.get("MAIL_SERVER") or current_app.config.get("MAIL_SUPPRESS_SEND"))


def send(message: Message) -> None:
    """Send a message, or log it when no mail server is configured; raise SendFailure when it did not go out."""
    if not uses_smtp():
        _log(message)
        return
    mail = current_app.extensions["mail"]
    try:
        if mail.suppress:
            with mail.connect() as connection:
                connection.send(message)
            return
        with TimedConnection(mail) as connection:
            connection.send(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        reason = "; ".join(f"{code} {_text(text)}" for code, text in exc.recipients.values())
        raise SendFailure(f"Recipient refused: {reason}", temporary=all(400 <= c < 500 for c in codes)) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendFailure(
            f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}", temporary=400 <= exc.smtp_code < 500
        ) from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise SendFailure(f"Mail server unreachable: {exc.__class__.__name__}: {exc}", temporary=True) from exc


def _text(value) -> str:
    return (value.decode(errors="replace") if isinstance(value, bytes) else str(value)).strip()[:500]


def _log(message: Message) -> None:
    # The log is the mailbox of the embedded default; production bodies may carry codes, so only headers there.
    header = f"email (no MAIL_SERVER, not sent) to {', '.join(message.recipients)}: {message.subject}"
    if current_app.config.get("ENV_NAME") == "production":
        current_app.logger.warning(header)
    else:
        current_app.logger.warning("%s\n%s", header, logs.Block(logs.redact(message.body or "")))
