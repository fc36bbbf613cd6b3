"""Upload checks: safe names and content that matches the extension."""

import io

import pytest

from portal.downloads import content_disposition
from portal.uploads import UploadRejected, check_upload, safe_filename
from tests.samples import pdf_bytes, png_bytes


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("../../evil.jpg", "evil.jpg"),
        ("C:\\Users\\x\\photo.png", "photo.png"),
        ("a\x00b.pdf", "ab.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("...hidden", "hidden"),
        ("", "file"),
        ("   ", "file"),
        ("/", "file"),
    ],
)
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_long_names_keep_their_extension():
    name = safe_filename("x" * 500 + ".tiff")
    assert len(name) == 200 and name.endswith(".tiff")


def test_real_png_and_pdf_accepted():
    assert check_upload("shot.png", io.BytesIO(png_bytes())).content_type == "image/png"
    assert check_upload("report.pdf", io.BytesIO(pdf_bytes())).content_type == "application/pdf"


def test_html_disguised_as_jpeg_rejected():
    with pytest.raises(UploadRejected, match="not a JPEG image"):
        check_upload("photo.jpg", io.BytesIO(b"<html><script>alert(1)</script></html>"))


def test_empty_file_rejected():
    with pytest.raises(UploadRejected, match="empty"):
        check_upload("a.txt", io.BytesIO(b""))


def test_unknown_extension_keeps_sniffed_type():
    upload = check_upload("cloud.laz", io.BytesIO(b"LASF" + bytes(300)))
    assert upload.extension == "laz" and upload.content_type


def test_content_disposition_quotes_unicode_and_strips_quotes():
    header = content_disposition('Ørsta "bridge".pdf', inline=False)
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%C3%98rsta%20%22bridge%22.pdf" in header
    assert '"bridge"' not in header.split("filename*")[0]
