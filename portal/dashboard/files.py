"""Dashboard: project files (stub: the files work replaces this)."""
from portal.dashboard import bp  # noqa: F401
from portal.services import files as file_service


def files_context(project) -> dict:
    """What the project page's files block needs."""
    return {"files": file_service.list_project_files(project.id)}
