"""The domain models, one module per aggregate."""

from portal.models.activity import Activity
from portal.models.client import Client
from portal.models.deliverable import Deliverable
from portal.models.email_verification import EmailVerification
from portal.models.file import StoredFile
from portal.models.invoice import Invoice, InvoiceLine
from portal.models.message import Message, MessageRead
from portal.models.notification import Notification, NotificationItem
from portal.models.organization import Organization
from portal.models.portal_link import PortalLink
from portal.models.project import Project
from portal.models.proposal import Proposal, ProposalLine
from portal.models.user import Membership, User
from portal.models.worker import WorkerHeartbeat

__all__ = [
    "Activity",
    "Client",
    "Deliverable",
    "EmailVerification",
    "Invoice",
    "InvoiceLine",
    "Membership",
    "Message",
    "MessageRead",
    "Notification",
    "NotificationItem",
    "Organization",
    "PortalLink",
    "Project",
    "Proposal",
    "ProposalLine",
    "StoredFile",
    "User",
    "WorkerHeartbeat",
]
