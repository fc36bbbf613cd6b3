"""TIFFs through GDAL (rasterio): a GeoTIFF's bounds, CRS and a Web Mercator overlay; any TIFF's preview.

GDAL reads a TIFF block by block and at reduced scale (using overviews when the file has them), so an
orthomosaic of gigapixels is previewed within a small, fixed amount of memory.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from portal.models.media import GEOTIFF, IMAGE
from portal.previews import PREVIEW_BOX, Limits, PreviewFailed, PreviewKind, Put, Result, register
from portal.previews.exif import read_capture
from portal.previews.images import DAMAGED, set_pillow_ceiling, store_stills, too_many_pixels
from portal.previews.raw import RawPhotos, is_dng

WEB_MERCATOR = "EPSG:3857"
# Web Mercator is defined to about ±85.05°; an overlay beyond cannot be drawn on a web map.
MERCATOR_LIMIT = 85.05
BLOCK_CACHE_MB = 128
# Source rows read at a time: a row of 512-pixel tiles across a 60,000-pixel-wide RGB orthomosaic is ~90 MB.
STRIP_ROWS = 512


def _scaled_shape(width: int, height: int, box: int) -> tuple[int, int]:
    scale = min(1.0, box / max(width, height))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _to_bytes(band: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """One band as 0–255: 8-bit data as it is, anything else stretched between its 2nd and 98th percentiles."""
    if band.dtype == np.uint8:
        return band
    values = band[valid & np.isfinite(band)] if band.dtype.kind == "f" else band[valid]
    if values.size == 0:
        return np.zeros(band.shape, dtype=np.uint8)
    low, high = np.percentile(values, (2, 98))
    if high <= low:
        high = low + 1
    scaled = (band.astype("float32") - low) * (255.0 / (high - low))
    return np.nan_to_num(np.clip(scaled, 0, 255), nan=0).astype(np.uint8)


def _rgba(data: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Bands (1, 2, 3 or more) and a validity mask as an RGBA array."""
    valid = mask > 0
    if data.shape[0] >= 3:
        rgb = [_to_bytes(data[i], valid) for i in range(3)]
    else:
        grey = _to_bytes(data[0], valid)
        rgb = [grey, grey, grey]
    alpha = np.where(valid, 255, 0).astype(np.uint8)
    return np.dstack([*rgb, alpha])


def _read(src, out_shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The first bands (up to three) and the dataset mask, resampled to ``out_shape``.

    Read in bands of source rows that fit the block cache, so each compressed block is decoded once for all the
    bands it holds, however the file interleaves them."""
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    bands = [1, 2, 3] if src.count >= 3 else [1]
    out_h, out_w = out_shape
    rows_per_out = src.height / out_h
    chunk = max(1, int(STRIP_ROWS / rows_per_out))
    data = np.empty((len(bands), out_h, out_w), dtype=src.dtypes[0])
    mask = np.empty((out_h, out_w), dtype=np.uint8)
    for top in range(0, out_h, chunk):
        bottom = min(out_h, top + chunk)
        window = Window(0, top * rows_per_out, src.width, (bottom - top) * rows_per_out)
        shape = (bottom - top, out_w)
        data[:, top:bottom] = src.read(
            bands, window=window, out_shape=(len(bands), *shape), resampling=Resampling.average
        )
        mask[top:bottom] = src.dataset_mask(window=window, out_shape=shape, resampling=Resampling.nearest)
    return data, mask


def _wgs84_bounds(src) -> list[float]:
    """[south, west, north, east] in WGS 84, or PreviewFailed when the bounds are not on the globe."""
    from rasterio.warp import transform_bounds

    try:
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
    except Exception as exc:
        raise PreviewFailed(
            "This GeoTIFF's coordinates could not be converted to latitude and longitude; check its CRS."
        ) from exc
    values = (south, west, north, east)
    if not all(math.isfinite(v) for v in values) or not (
        -MERCATOR_LIMIT <= south < north <= MERCATOR_LIMIT and -180 <= west < east <= 180
    ):
        raise PreviewFailed(
            "This GeoTIFF's bounds do not lie on the map (beyond ±85° latitude or ±180° longitude); check its CRS."
        )
    return [round(v, 7) for v in values]


def _overlay(src, rgba: np.ndarray, put: Put) -> str:
    """Reproject the reduced copy to Web Mercator and store it as a transparent PNG; returns its key."""
    from rasterio.transform import from_bounds
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    height, width = rgba.shape[:2]
    src_transform = from_bounds(*src.bounds, width, height)
    dst_transform, dst_width, dst_height = calculate_default_transform(
        src.crs, WEB_MERCATOR, width, height, *src.bounds
    )
    out_h, out_w = _scaled_shape(dst_width, dst_height, PREVIEW_BOX)
    # Keep the same extent at the web size.
    dst_transform = dst_transform @ dst_transform.scale(dst_width / out_w, dst_height / out_h)
    warped = np.zeros((4, out_h, out_w), dtype=np.uint8)
    for i in range(4):
        reproject(
            source=np.ascontiguousarray(rgba[:, :, i]),
            destination=warped[i],
            src_transform=src_transform,
            src_crs=src.crs,
            dst_transform=dst_transform,
            dst_crs=WEB_MERCATOR,
            resampling=Resampling.nearest if i == 3 else Resampling.bilinear,
            src_nodata=None,
            dst_nodata=0,
        )
    image = Image.fromarray(np.dstack(list(warped)), "RGBA")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return put("overlay.png", out.getvalue(), "image/png")


def _exif(path: Path, limits: Limits) -> dict:
    """Capture data a camera wrote into a TIFF, read from its header by Pillow (nothing is decoded)."""
    set_pillow_ceiling(limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                capture = read_capture(image)
    except Exception:  # GDAL reads many TIFFs Pillow does not; their previews need no EXIF
        return {}
    return {
        "captured_at": capture.captured_at,
        "camera": capture.camera,
        "latitude": capture.latitude,
        "longitude": capture.longitude,
        "relative_altitude": capture.relative_altitude,
    }


@register
class Rasters(PreviewKind):
    """TIFF: a GeoTIFF (with a CRS) is placed on the map; a DNG raw photo is developed; any other TIFF is
    previewed as an image."""

    name = GEOTIFF
    pending_kind = IMAGE
    content_types = frozenset({"image/tiff", "image/tiff-fx"})

    def make(self, path: Path, content_type: str, put: Put, limits: Limits) -> Result:
        """Read bounds and CRS, store an overlay in Web Mercator and a preview and thumbnail; a DNG is developed."""
        if is_dng(path):
            return RawPhotos().make(path, content_type, put, limits)
        import rasterio
        from rasterio.errors import NotGeoreferencedWarning, RasterioError

        try:
            # A small block cache: a reduced read needs one row of blocks at a time, not GDAL's 5 % of the RAM.
            with warnings.catch_warnings(), rasterio.Env(GDAL_CACHEMAX=BLOCK_CACHE_MB):
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                with rasterio.open(path) as src:
                    return self._make(src, path, put, limits)
        except RasterioError as exc:
            raise PreviewFailed(DAMAGED) from exc

    def _make(self, src, path: Path, put: Put, limits: Limits) -> Result:
        if src.width * src.height > limits.max_raster_pixels:
            raise too_many_pixels(src.width, src.height, limits.max_raster_pixels)
        georeferenced = src.crs is not None and not src.transform.is_identity
        result = Result(kind=GEOTIFF if georeferenced else IMAGE, width=src.width, height=src.height)
        if georeferenced:
            result.crs, result.overlay_bounds = src.crs.to_string()[:80], _wgs84_bounds(src)
        # One reduced read serves everything; an overlay is reprojected from twice the web size, for sharpness.
        box = 2 * PREVIEW_BOX if georeferenced else PREVIEW_BOX
        rgba = _rgba(*_read(src, _scaled_shape(src.width, src.height, box)))
        if georeferenced:
            result.keys["overlay"] = _overlay(src, rgba, put)
        else:
            for name, value in _exif(path, limits).items():
                setattr(result, name, value)
        store_stills(Image.fromarray(rgba, "RGBA"), put, result)
        return result
