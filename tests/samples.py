"""Small real files for tests, made on the fly."""

import io


def png_bytes(size=(32, 24), color=(200, 80, 40)) -> bytes:
    """A real PNG image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 48)) -> bytes:
    """A real JPEG image."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def pdf_bytes(text: str = "Inspection report") -> bytes:
    """A real one-page PDF."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()
