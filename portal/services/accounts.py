"""Operator accounts: sign-up proven by email, login, and the organizations an operator works in."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.models import AccountToken, Membership, Organization, User
from portal.models.account_token import PURPOSE_CONFIRM, PURPOSE_SIGNUP
from portal.models.client import normalize_email
from portal.models.user import ROLE_OWNER
from portal.outbox import commit_and_dispatch, too_many
from portal.outbox.kinds.account import AccountLocked, ConfirmEmail, SignupConfirm, SignupExists
from portal.services import login_throttle, tokens
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError

MIN_PASSWORD = 10
SIGNUP_VALID_FOR = timedelta(hours=24)


def _now() -> datetime:
    return datetime.now(UTC)


def slugify(text: str) -> str:
    """A URL-safe slug of a name."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "org"


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug = base
    while db.session.execute(db.select(Organization.id).where(Organization.slug == slug)).first():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def check_password_length(password: str, field_name: str = "password") -> None:
    """Refuse a password shorter than the minimum."""
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"Use at least {MIN_PASSWORD} characters.", field_name)


def find_user(email: str) -> User | None:
    """The user with this email, if any."""
    return db.session.execute(db.select(User).where(User.email == normalize_email(email))).scalar_one_or_none()


def new_token(purpose: str, email: str, valid_for: timedelta, **fields) -> AccountToken:
    """Add a single-use emailed token to the session (its secret is derived again when the email is built)."""
    nonce, token_hash = tokens.issue(purpose)
    token = AccountToken(
        purpose=purpose,
        email=email,
        token_nonce=nonce,
        token_hash=token_hash,
        expires_at=_now() + valid_for,
        **fields,
    )
    db.session.add(token)
    db.session.flush()
    return token


def find_token(secret: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired token of this purpose with this secret, or None."""
    return db.session.execute(
        db.select(AccountToken).where(
            AccountToken.token_hash == tokens.digest(secret),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > _now(),
        )
    ).scalar_one_or_none()


def use_token(token: AccountToken) -> bool:
    """Mark the token used; only one caller wins, so a link works once even when opened twice at once."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None), AccountToken.expires_at > _now())
        .values(used_at=_now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def request_signup(name: str, email: str, password: str, org_name: str) -> list:
    """Email a confirmation link; the account and organization exist only once it is opened.

    The answer is the same whether or not the address has an account: its owner gets a note instead.
    """
    email = normalize_email(email)
    check_password_length(password)
    # Hashed on every path: the slow hash only for new addresses would tell by timing which have an account.
    password_hash = generate_password_hash(password)
    exists = find_user(email) is not None
    if too_many(email, SignupExists.name if exists else SignupConfirm.name):
        return []
    if exists:
        mails = SignupExists.queue(email)
    else:
        token = new_token(
            PURPOSE_SIGNUP,
            email,
            SIGNUP_VALID_FOR,
            name=name.strip()[:120],
            org_name=org_name.strip()[:120],
            password_hash=password_hash,
        )
        mails = SignupConfirm.queue(token)
    return commit_and_dispatch(mails)


def confirm_signup(token: AccountToken) -> tuple[User, Organization]:
    """Create the account, its organization and the owner membership from a proven sign-up."""
    if find_user(token.email) is not None:
        raise ServiceError("This address already has an account. Log in instead.", "email")
    if not use_token(token):
        raise ServiceError("This link was already used or has expired.", "token")
    user = User(email=token.email, name=token.name or token.email, password_hash=token.password_hash)
    user.email_verified_at = _now()
    db.session.add(user)
    db.session.flush()
    org = _new_org(user, token.org_name or "My business")
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceError("This address already has an account. Log in instead.", "email") from exc
    return user, org


def _new_org(user: User, org_name: str) -> Organization:
    org = Organization(name=org_name.strip(), slug=_unique_slug(org_name), contact_email=user.email)
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, org_id=org.id, role=ROLE_OWNER))
    user.last_org_id = org.id
    record(Actor.operator(user), "org.created", f"{user.name} created {org.name}", org_id=org.id)
    return org


def create_organization(user: User, org_name: str) -> Organization:
    """Create another organization owned by an existing operator."""
    org = _new_org(user, org_name)
    db.session.commit()
    return org


def send_confirmation(user: User) -> list:
    """Email an account made before addresses were proven a link that confirms it."""
    if too_many(user.email, ConfirmEmail.name):
        return []
    token = new_token(PURPOSE_CONFIRM, user.email, SIGNUP_VALID_FOR, user_id=user.id)
    return commit_and_dispatch(ConfirmEmail.queue(token))


def confirm_email(token: AccountToken, password: str) -> User:
    """Mark the token's account as owning its address, given the account's password too.

    Such an account was made before addresses were proven, perhaps by someone else: the mailbox's owner clicking
    the link must not hand a verified account to whoever chose its password (they reset the password instead).
    """
    user = db.session.get(User, token.user_id) if token.user_id else None
    checked = authenticate(token.email, password) if user is not None else LoginResult()
    if checked.retry_after:
        raise ServiceError("Too many wrong passwords for this address. Try again later, or reset it.", "password")
    if user is not None and (checked.user is None or checked.user.id != user.id):
        raise ServiceError("Enter this account's password, or reset it if you never chose one.", "password")
    if user is None or user.email != token.email or not use_token(token):
        raise ServiceError("This link was already used or has expired.", "token")
    user.email_verified_at = user.email_verified_at or _now()
    db.session.commit()
    return user


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without an account, check against a dummy hash so both take the same time."""
    matches = check_password_hash(password_hash or _dummy_hash(), password)
    return matches and password_hash is not None


@dataclass
class LoginResult:
    """What a login attempt found."""

    user: User | None = None
    retry_after: int = 0
    outbox: list = field(default_factory=list)


def authenticate(email: str, password: str) -> LoginResult:
    """Check an email and password, throttled per address on top of the per-IP limit."""
    email = normalize_email(email)
    wait = login_throttle.reserve(email)
    if wait:
        return LoginResult(retry_after=wait)
    user = find_user(email)
    if verify_password(user.password_hash if user else None, password):
        login_throttle.clear(email)
        db.session.commit()
        return LoginResult(user=user)
    queued = []
    if login_throttle.record_failure(email) and user is not None:
        minutes = int(login_throttle.LOCK_FOR.total_seconds() // 60)
        queued = commit_and_dispatch(AccountLocked.queue(email, minutes))
    return LoginResult(outbox=queued)


def remember_org(user_id: int, org_id: int) -> None:
    """Make this the organization the operator's next login opens."""
    db.session.execute(
        update(User).where(User.id == user_id).values(last_org_id=org_id).execution_options(synchronize_session=False)
    )
    db.session.commit()


def is_member(user_id: int, org_id: int) -> bool:
    """Whether the user belongs to the organization."""
    return (
        db.session.execute(
            db.select(Membership.id).where(Membership.user_id == user_id, Membership.org_id == org_id)
        ).first()
        is not None
    )
