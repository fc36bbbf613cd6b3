"""The domain models, one module per aggregate."""

from portal.models.account_token import AccountToken
from portal.models.activity import Activity
from portal.models.bundle import Bundle, BundleRequest
from portal.models.client import Client
from portal.models.client_session import ClientSession, ClientSessionUnlock
from portal.models.deliverable import Deliverable
from portal.models.email_verification import EmailVerification
from portal.models.file import StoredFile
from portal.models.invitation import Invitation
from portal.models.invoice import Invoice, InvoiceLine
from portal.models.media import FileMedia
from portal.models.message import Message, MessageRead
from portal.models.notification import Notification, NotificationItem
from portal.models.operator_session import LoginThrottle, OperatorSession
from portal.models.organization import Organization
from portal.models.portal_link import PortalLink
from portal.models.project import Project
from portal.models.proposal import Proposal, ProposalLine
from portal.models.upload import Upload
from portal.models.user import Membership, User
from portal.models.worker import WorkerHeartbeat

__all__ = [
    "AccountToken",
    "Activity",
    "Bundle",
    "BundleRequest",
    "Client",
    "ClientSession",
    "ClientSessionUnlock",
    "Deliverable",
    "EmailVerification",
    "FileMedia",
    "Invitation",
    "Invoice",
    "InvoiceLine",
    "LoginThrottle",
    "Membership",
    "Message",
    "MessageRead",
    "Notification",
    "OperatorSession",
    "NotificationItem",
    "Organization",
    "PortalLink",
    "Project",
    "Proposal",
    "ProposalLine",
    "StoredFile",
    "Upload",
    "User",
    "WorkerHeartbeat",
]
