"""Every email kind, one class each; importing a module registers its kinds."""

from portal.outbox.kinds import account, billing, bundles, deliverables, files, links, messages, progress

__all__ = ["account", "billing", "bundles", "deliverables", "files", "links", "messages", "progress"]
