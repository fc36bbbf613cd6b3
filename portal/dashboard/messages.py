"""Dashboard: the project's message thread (stub: the messages work replaces this)."""
from portal.dashboard import bp  # noqa: F401
from portal.services import messages as message_service


def thread_context(project) -> dict:
    """What the project page's thread block needs."""
    return {"messages": message_service.project_thread(project.id)}
