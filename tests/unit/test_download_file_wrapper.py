"""A whole local file goes out through the server's file wrapper (sendfile under gunicorn), not a Python loop."""

from __future__ import annotations

import io

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.wsgi import FileWrapper

from portal.downloads import stream_file
from portal.models import StoredFile
from portal.storage import get_storage


def test_a_whole_local_file_is_handed_to_the_file_wrapper(app):
    data = b"%PDF-1.4\n" + bytes(range(256)) * 5000
    with app.app_context():
        saved = get_storage().save(io.BytesIO(data), "org/1/survey.pdf", "application/pdf")
        file = StoredFile(filename="survey.pdf", content_type="application/pdf", size=len(data), storage_key=saved.key)
    with app.test_request_context("/download", environ_base={"wsgi.file_wrapper": FileWrapper}):
        response = stream_file(file, allow_inline=False)
        assert isinstance(response.response, FileWrapper)
        assert response.headers["Content-Length"] == str(len(data))
        assert b"".join(response.response) == data
        response.close()
    with app.test_request_context("/download", headers={"Range": "bytes=0-99"}):
        ranged = stream_file(file, allow_inline=False)
        assert ranged.status_code == 206 and b"".join(ranged.response) == data[:100]


def test_a_file_whose_object_is_gone_is_a_404(app):
    file = StoredFile(filename="gone.pdf", content_type="application/pdf", size=10, storage_key="org/1/gone.pdf")
    with app.test_request_context("/download"), pytest.raises(NotFound):
        stream_file(file, allow_inline=False)
