"""Long lines and any script: a 5,000-character paragraph with accents and emoji, through a real SMTP server
(aiosmtpd refuses lines over RFC 5321's 998 octets, as real servers do), arrives exactly as written."""

from __future__ import annotations

from markupsafe import escape

from portal.extensions import db
from portal.models import Notification
from tests.integration.mail_stack import body_text, wait_for
from tests.integration.test_email_delivery import _post, _world, make_stack  # noqa: F401  (the fixture)


def test_a_long_paragraph_with_accents_and_emoji_arrives_exactly_as_written(make_stack, ctx):  # noqa: F811
    stack = make_stack()
    paragraph = ""
    while len(paragraph) < 5000:
        paragraph += f"Façade {len(paragraph)} — the north side needs a second pass, señor; ✓ "
    paragraph = paragraph[:5000] + "🚁"
    body = f"Hello Alex 👋\n\n{paragraph}\n\nSecond paragraph: naïve résumé, Zürich, 東京."
    with stack.app.app_context():
        org, operator, project = _world()
        _post(stack.app, operator, org, project, body)
    stack.worker()
    notification = wait_for(
        lambda: db.session.execute(
            db.select(Notification).where(Notification.status.in_(("sent", "failed")))
        ).scalar_one_or_none(),
        timeout=30,
        what="the email to be sent or to fail",
    )
    assert notification.status == "sent", notification.last_error
    (mail,) = stack.inbox.delivered
    assert max(len(line) for line in mail["raw"].split(b"\r\n")) <= 998
    assert mail["raw"].count(b"Content-Transfer-Encoding: quoted-printable") == 2
    # A text part's line breaks are CRLF on the wire (RFC 2046): compare lines, not line-ending bytes.
    text = body_text(mail["message"]).replace("\r\n", "\n")
    html = body_text(mail["message"], "html").replace("\r\n", "\n")
    assert body in text
    assert str(escape(body)) in html
