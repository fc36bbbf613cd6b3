"""Videos through PyAV (FFmpeg): duration, size, codec, a poster frame, and a 720p H.264 proxy when browsers
cannot play the original. Frames stream from decoder to encoder one at a time, so memory stays flat. A video
recorded turned (a phone held upright, its display matrix saying "rotate 90°") gets an upright poster, proxy and
width × height."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from PIL import Image

from portal.models.media import VIDEO
from portal.previews import POSTER_BOX, THUMB_BOX, Limits, PreviewFailed, PreviewKind, Put, Result, register
from portal.previews.exif import plausible_position
from portal.previews.images import jpeg_bytes

T = Image.Transpose

DAMAGED = "This video is damaged or incomplete, so no preview could be made. Upload it again."
# What every current browser plays in a <video> element: these codecs, in MP4 or WebM, in 8-bit 4:2:0.
PLAYABLE_CODECS = {"h264", "vp9", "av1", "vp8"}
PLAYABLE_TYPES = {"video/mp4", "video/webm"}
PLAYABLE_PIXELS = {"yuv420p", "yuvj420p"}
PROXY_HEIGHT = 720
# ISO 6709 as phones and drones write it in the "location" tag: +37.7749-122.4194+010.000/
ISO6709 = re.compile(r"([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


def playable(codec: str, pix_fmt: str | None, content_type: str) -> bool:
    """Whether browsers play this stream as it is."""
    return codec in PLAYABLE_CODECS and content_type in PLAYABLE_TYPES and (pix_fmt or "yuv420p") in PLAYABLE_PIXELS


def _metadata(container, result: Result) -> None:
    tags = {key.lower(): value for key, value in (container.metadata or {}).items()}
    created = tags.get("creation_time")
    if created:
        try:
            moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
            result.captured_at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    match = ISO6709.match(tags.get("location", "") or tags.get("com.apple.quicktime.location.iso6709", ""))
    if match:
        latitude, longitude = float(match.group(1)), float(match.group(2))
        if plausible_position(latitude, longitude):
            result.latitude, result.longitude = latitude, longitude
    model = tags.get("com.apple.quicktime.model") or tags.get("model")
    if model:
        make = tags.get("com.apple.quicktime.make") or tags.get("make") or ""
        result.camera = f"{make} {model}".strip()[:120]


def _duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def upright_turn(frame, stream) -> int:
    """How far a decoded picture must turn counter-clockwise to stand upright: 0, 90, 180 or 270 degrees.

    The display matrix (``frame.rotation``, counter-clockwise) rules; an older file's ``rotate`` tag (clockwise)
    is the fallback. Angles that are not right angles are taken to the nearest one."""
    degrees = frame.rotation or 0
    if not degrees:
        try:
            degrees = -float((stream.metadata or {}).get("rotate", 0))
        except (TypeError, ValueError):
            degrees = 0
    return int(round(degrees / 90)) % 4 * 90


def turned(image: Image.Image, turn: int) -> Image.Image:
    """The picture turned counter-clockwise by ``turn`` degrees (a right angle)."""
    return image.transpose({90: T.ROTATE_90, 180: T.ROTATE_180, 270: T.ROTATE_270}[turn]) if turn else image


# FFmpeg filters that turn a picture counter-clockwise by so many degrees.
TURN_FILTERS = {90: [("transpose", "cclock")], 180: [("hflip", None), ("vflip", None)], 270: [("transpose", "clock")]}


class _Turner:
    """Turns proxy frames upright through an FFmpeg filter graph, made for the first frame's size."""

    def __init__(self, turn: int):
        self.turn = turn
        self.graph = None

    def __call__(self, frame):
        import av

        if not self.turn:
            return frame
        if self.graph is None:
            self.graph = av.filter.Graph()
            nodes = [
                self.graph.add_buffer(
                    width=frame.width, height=frame.height, format=frame.format, time_base=Fraction(1, 90_000)
                )
            ]
            nodes += [self.graph.add(name, args) for name, args in TURN_FILTERS[self.turn]]
            nodes.append(self.graph.add("buffersink"))
            self.graph.link_nodes(*nodes).configure()
        self.graph.push(frame)
        return self.graph.pull()


def _poster(container, stream, duration: float | None):
    """A frame a second in (or a tenth of a short video), as a PIL image, and its upright turn."""
    import av

    moment = min(1.0, (duration or 0) / 10)
    if moment > 0 and stream.time_base:
        try:
            container.seek(int(moment / stream.time_base), stream=stream, any_frame=False, backward=True)
        except av.FFmpegError:
            container.seek(0)
    for frame in container.decode(stream):
        return frame.to_image(), upright_turn(frame, stream)
    return None, 0


def _proxy_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, PROXY_HEIGHT / min(width, height))
    even = lambda n: max(2, int(round(n * scale / 2)) * 2)  # noqa: E731 - H.264 in 4:2:0 needs even sides
    return even(width), even(height)


def make_proxy(source: Path, target: Path, turn: int = 0) -> None:
    """Transcode to a 720p H.264 MP4 (AAC sound, fast start), frame by frame, turned ``turn`` degrees
    counter-clockwise so that it plays upright without a display matrix."""
    import av

    faststart = {"movflags": "+faststart"}
    with av.open(str(source)) as inp, av.open(str(target), "w", format="mp4", options=faststart) as out:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        width, height = _proxy_size(vin.codec_context.width, vin.codec_context.height)
        turner = _Turner(turn)
        rate = vin.average_rate or vin.guessed_rate or Fraction(30)
        vout = out.add_stream("libx264", rate=rate)
        vout.width, vout.height = (height, width) if turn in (90, 270) else (width, height)
        vout.pix_fmt = "yuv420p"
        vout.options = {"preset": "veryfast", "crf": "23", "profile": "high"}
        vout.codec_context.time_base = Fraction(1, 90_000)
        ain = inp.streams.audio[0] if inp.streams.audio else None
        aout = out.add_stream("aac", rate=min(ain.rate or 48_000, 48_000)) if ain is not None else None
        streams = [vin] + ([ain] if ain is not None else [])
        for packet in inp.demux(streams):
            for frame in packet.decode():
                if packet.stream is vin:
                    if frame.pts is not None and vin.time_base:
                        frame.pts = int(frame.pts * vin.time_base * 90_000)
                        frame.time_base = Fraction(1, 90_000)
                    for encoded in vout.encode(turner(frame.reformat(width, height, "yuv420p"))):
                        out.mux(encoded)
                else:
                    frame.pts = None
                    for encoded in aout.encode(frame):
                        out.mux(encoded)
        for encoded in vout.encode(None):
            out.mux(encoded)
        if aout is not None:
            for encoded in aout.encode(None):
                out.mux(encoded)


@register
class Videos(PreviewKind):
    """MP4, QuickTime, WebM and Matroska videos."""

    name = VIDEO
    content_types = frozenset(
        {"video/mp4", "video/quicktime", "video/x-m4v", "video/webm", "video/x-matroska", "video/x-msvideo"}
    )

    def accepts(self, content_type: str) -> bool:
        """Any video type FFmpeg may read."""
        return content_type in self.content_types or content_type.startswith("video/")

    def make(self, path: Path, content_type: str, put: Put, limits: Limits) -> Result:
        """Read the stream's facts, store a poster and a thumbnail, and a proxy when browsers need one."""
        import av

        try:
            with av.open(str(path), metadata_errors="ignore") as container:
                if not container.streams.video:
                    raise PreviewFailed("This file has no video picture, so no preview could be made.")
                stream = container.streams.video[0]
                context = stream.codec_context
                if not context.width or not context.height:
                    raise PreviewFailed(DAMAGED)
                result = Result(kind=VIDEO, width=context.width, height=context.height, codec=context.name)
                result.duration = _duration(container, stream)
                _metadata(container, result)
                pix_fmt = context.pix_fmt
                frame, turn = _poster(container, stream, result.duration)
        except av.FFmpegError as exc:
            raise PreviewFailed(DAMAGED) from exc
        if frame is None:
            raise PreviewFailed(DAMAGED)
        frame = turned(frame, turn)
        if turn in (90, 270):
            result.width, result.height = result.height, result.width
        poster, _ = jpeg_bytes(frame, POSTER_BOX)
        result.keys["poster"] = put("poster.jpg", poster, "image/jpeg")
        thumb, _ = jpeg_bytes(frame, THUMB_BOX, quality=78)
        result.keys["thumb"] = put("thumb.jpg", thumb, "image/jpeg")
        if not playable(result.codec or "", pix_fmt, content_type):
            with tempfile.TemporaryDirectory(prefix="proxy-") as folder:
                target = Path(folder) / "proxy.mp4"
                try:
                    make_proxy(path, target, turn)
                except av.FFmpegError as exc:
                    raise PreviewFailed(
                        "This video could not be converted for playing in the browser; it is damaged or in a "
                        "format the converter does not read. The original can still be downloaded."
                    ) from exc
                result.keys["proxy"] = put("proxy.mp4", target, "video/mp4")
        return result
