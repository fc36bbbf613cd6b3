"""Tiny media made on the spot: photos with EXIF GPS, short videos, GeoTIFFs, and broken ones; and a preview kind's
run on one of them."""

from __future__ import annotations

import io
import struct
import tempfile
import zlib
from fractions import Fraction
from pathlib import Path

from PIL import Image

from portal.previews import Limits, kind_for


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (Fraction(degrees), Fraction(minutes), Fraction(seconds).limit_denominator(10_000))


def gps_jpeg(
    latitude: float = 48.858370,
    longitude: float = 2.294481,
    *,
    size: tuple[int, int] = (640, 480),
    taken: str = "2026:05:04 10:30:00",
    offset: str | None = "+02:00",
    make: str = "DJI",
    model: str = "FC3582",
    orientation: int = 1,
    relative_altitude: float | None = 45.2,
    raw_latitude: tuple | None = None,
) -> bytes:
    """A JPEG whose EXIF says where (GPS IFD), when and with which camera it was taken, and DJI's XMP altitude."""
    image = Image.new("RGB", size, (30, 120, 200))
    # A marker in the top-left corner shows whether the preview was turned upright.
    image.paste((250, 30, 30), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = make, model, orientation
    details = exif.get_ifd(0x8769)
    details[0x9003] = taken
    if offset:
        details[0x9011] = offset
    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if latitude >= 0 else "S"
    gps[2] = raw_latitude if raw_latitude is not None else _dms(latitude)
    gps[3] = "E" if longitude >= 0 else "W"
    gps[4] = _dms(longitude)
    out = io.BytesIO()
    options = {}
    if relative_altitude is not None:
        options["xmp"] = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
            f'drone-dji:RelativeAltitude="+{relative_altitude:.2f}" drone-dji:AbsoluteAltitude="+120.00"/>'
            "</rdf:RDF></x:xmpmeta>"
        ).encode()
    image.save(out, "JPEG", quality=85, exif=exif, **options)
    return out.getvalue()


def plain_jpeg(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG without metadata."""
    out = io.BytesIO()
    Image.new("RGB", size, (90, 160, 60)).save(out, "JPEG", quality=80)
    return out.getvalue()


def truncated_jpeg() -> bytes:
    """A JPEG cut off half-way through its picture data."""
    data = plain_jpeg((1200, 900))
    return data[: len(data) // 2]


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG of a few bytes whose header claims billions of pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def heic_bytes(size: tuple[int, int] = (320, 240)) -> bytes:
    """A HEIC photo (pillow-heif's encoder)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (200, 200, 40)).save(out, "HEIF", quality=60)
    return out.getvalue()


def video_bytes(
    codec: str = "libx264",
    *,
    seconds: float = 1.0,
    size=(320, 240),
    fps: int = 24,
    fmt: str = "mp4",
    audio: bool = False,
    rotation: int = 0,
) -> bytes:
    """A short video with a moving bar and a red top-left corner, encoded by PyAV (``libx264``, ``libx265``,
    ``mpeg4``, ``prores_ks``…), with a 440 Hz AAC tone when ``audio``, and a display matrix saying "turn
    ``rotation`` degrees counter-clockwise to show" when ``rotation`` (a phone held upright writes -90)."""
    import av
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip.{fmt}"
        with av.open(str(path), "w", format=fmt) as container:
            stream = container.add_stream(codec, rate=fps)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv422p10le" if codec.startswith("prores") else "yuv420p"
            if codec == "libx265":
                stream.options = {"x265-params": "log-level=error"}
            if rotation:
                stream.set_display_rotation(rotation)
            sound = container.add_stream("aac", rate=44_100) if audio else None
            if sound is not None:
                sound.layout = "stereo"
            for n in range(int(seconds * fps)):
                frame = np.zeros((size[1], size[0], 3), dtype=np.uint8)
                frame[:, :, 2] = 120
                x = (n * 8) % size[0]
                frame[:, x : x + 16, :] = 255
                frame[: size[1] // 4, : size[0] // 4] = (250, 30, 30)
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
            if sound is not None:
                tone = np.sin(2 * np.pi * 440 * np.linspace(0, seconds, int(44_100 * seconds), dtype=np.float32))
                chunk = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
                chunk.sample_rate = 44_100
                for packet in [*sound.encode(chunk), *sound.encode(None)]:
                    container.mux(packet)
        return path.read_bytes()


def truncated_video() -> bytes:
    """An MP4 cut off after its first kilobytes (no index, no frames)."""
    return video_bytes()[:2048]


def geotiff_bytes(
    crs: str | None = "EPSG:32633", *, size=(200, 150), origin=(500_000.0, 5_000_000.0), pixel: float = 0.5
) -> bytes:
    """An RGB GeoTIFF in a projected CRS (UTM 33N by default), ``pixel`` metres a pixel; ``crs=None`` leaves it out."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    width, height = size
    data = np.zeros((3, height, width), dtype=np.uint8)
    data[0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    data[1] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    data[2] = 90
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 3,
        "dtype": "uint8",
        "transform": from_origin(*origin, pixel, pixel),
    }
    if crs:
        profile["crs"] = crs
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ortho.tif"
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data)
        return path.read_bytes()


def dng_bytes(
    size: tuple[int, int] = (256, 192),
    *,
    gps: tuple[float, float] | None = (48.85837, 2.294481),
    orientation: int = 1,
    make: str = "DJI",
    model: str = "FC3582",
) -> bytes:
    """A DNG raw photo written by PiDNG: a 12-bit RGGB Bayer mosaic, blue with a red top-left quarter, its
    EXIF orientation, camera, and a GPS IFD when ``gps``."""
    import numpy as np
    from pidng.core import RAW2DNG
    from pidng.defs import CalibrationIlluminant, CFAPattern, DNGVersion, PhotometricInterpretation
    from pidng.dng import DNGTags, Tag, Type, dngIFD, dngTag

    width, height = size
    colour = np.zeros((height, width, 3), dtype=np.uint16)
    colour[:] = (300, 600, 3000)
    colour[: height // 4, : width // 4] = (3500, 400, 300)
    mosaic = np.empty((height, width), dtype=np.uint16)
    mosaic[0::2, 0::2] = colour[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = colour[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = colour[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = colour[1::2, 1::2, 2]
    tags = DNGTags()
    for tag, value in [
        (Tag.ImageWidth, width),
        (Tag.ImageLength, height),
        (Tag.TileWidth, width),
        (Tag.TileLength, height),
        (Tag.Orientation, orientation),
        (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
        (Tag.SamplesPerPixel, 1),
        (Tag.BitsPerSample, 16),
        (Tag.CFARepeatPatternDim, [2, 2]),
        (Tag.CFAPattern, CFAPattern.RGGB),
        (Tag.BlackLevel, 0),
        (Tag.WhiteLevel, 4095),
        (Tag.ColorMatrix1, [[1, 1], [0, 1], [0, 1], [0, 1], [1, 1], [0, 1], [0, 1], [0, 1], [1, 1]]),
        (Tag.CalibrationIlluminant1, CalibrationIlluminant.D65),
        (Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]),
        (Tag.Make, make),
        (Tag.Model, model),
        (Tag.DNGVersion, DNGVersion.V1_4),
        (Tag.DNGBackwardVersion, DNGVersion.V1_2),
    ]:
        tags.set(tag, value)
    if gps is not None:

        def dms(value: float) -> list[list[int]]:
            d, m, s = _dms(value)
            return [[d.numerator, d.denominator], [m.numerator, m.denominator], [s.numerator, s.denominator]]

        directory = dngIFD()
        directory.tags += [
            dngTag((0, Type.Byte), [2, 3, 0, 0]),
            dngTag((1, Type.Ascii), "N" if gps[0] >= 0 else "S"),
            dngTag((2, Type.Rational), dms(gps[0])),
            dngTag((3, Type.Ascii), "E" if gps[1] >= 0 else "W"),
            dngTag((4, Type.Rational), dms(gps[1])),
        ]
        # PiDNG's own IFD type cannot be built (it mixes str and bytes); a LONG pointer carrying the IFD is
        # written the same way, as GPSInfo (34853) is a LONG offset in TIFF.
        pointer = dngTag((34853, Type.Long), [0])
        pointer.subIFD = directory
        tags.__tags__[(34853, Type.Long)] = pointer
    writer = RAW2DNG()
    writer.options(tags, path="", compress=False)
    return bytes(writer.convert(mosaic))


def previews_of(tmp_path: Path, data: bytes, content_type: str, name: str = "original", limits: Limits | None = None):
    """Run the preview kind of ``content_type`` on ``data``; its result and the objects it stored, by name."""
    path = tmp_path / name
    path.write_bytes(data)
    objects: dict[str, bytes] = {}

    def put(stored_name, stored, _content_type):
        objects[stored_name] = stored if isinstance(stored, bytes) else Path(stored).read_bytes()
        return f"key/{stored_name}"

    return kind_for(content_type).make(path, content_type, put, limits or Limits()), objects
