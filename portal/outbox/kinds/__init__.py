"""Every email kind, one class each; importing a module registers its kinds."""

from portal.outbox.kinds import account, billing, deliverables, files, links, messages, progress

__all__ = ["account", "billing", "deliverables", "files", "links", "messages", "progress"]
