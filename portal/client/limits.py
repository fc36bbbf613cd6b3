"""How often one address may post to the portal: messages, comments and pins share one budget."""

from __future__ import annotations

from flask import current_app

from portal.extensions import limiter


def _post_limit() -> str:
    return current_app.config["PORTAL_POST_RATE_LIMIT"]


# A leaked link must not become a way to flood a thread (and the operators' inboxes) with messages.
posts_limited = limiter.shared_limit(_post_limit, scope="portal-posts")
