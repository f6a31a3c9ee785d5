"""The photo pipeline: validate an upload, read its GPS position and make clean JPEG renditions.

Plain Python on Pillow (plus pillow-heif for HEIC), no Flask. Every call works on its own objects,
so :func:`process_image` can run in several threads at once; Pillow releases the GIL while it
decodes, resizes and encodes.

Untrusted bytes go through these steps, in this order:

1. the byte size, before anything is parsed;
2. the format (JPEG, PNG, WebP or HEIF only) and the pixel count from the header, before decoding;
3. ``verify()``, then a fresh open (a verified image cannot be loaded);
4. a decode, reduced by libjpeg to about the largest rendition for JPEG (``draft``);
5. the GPS position from EXIF, then the EXIF orientation, then RGB on white;
6. renditions, largest first, each one resized from the previous one, saved as progressive JPEG
   with no EXIF, XMP, comment or colour profile (pixels are converted to sRGB first).
"""

from __future__ import annotations

import contextlib
import io
import math
import struct
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageOps

from backend.errors import TooLarge, ValidationFailed

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
DEFAULT_SIZES: Mapping[str, int] = MappingProxyType({"large": 1600, "thumb": 400})
JPEG_QUALITY = 82
CONTENT_TYPE = "image/jpeg"
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
RESAMPLE = Image.Resampling.BICUBIC

# Pillow's own bomb guard, a backstop above any sane ``max_pixels``: it warns above this many
# pixels and raises above twice as many, while it reads the header.
PILLOW_PIXEL_LIMIT = 64_000_000

# What Pillow and its plugins raise on bytes they cannot parse or decode.
_DECODE_ERRORS = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    SyntaxError,  # "broken PNG file", "not a TIFF file" and the HEIF plugin's errors
    ValueError,
    TypeError,
    EOFError,
    IndexError,
    KeyError,
    RuntimeError,
    ZeroDivisionError,
    OverflowError,
    struct.error,
    Warning,  # Pillow warns on damaged EXIF and the like; these are raised under ``-W error``
)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_SWAPS_SIDES = {5, 6, 7, 8}  # EXIF orientations that turn the image by 90 degrees


def _configure_pillow() -> None:
    """One-time, process-wide Pillow settings; nothing is changed per call."""
    Image.init()  # load every plugin now, not lazily from several threads at once
    pillow_heif.register_heif_opener()
    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > PILLOW_PIXEL_LIMIT:
        Image.MAX_IMAGE_PIXELS = PILLOW_PIXEL_LIMIT
    # A per-call ``warnings.catch_warnings()`` would not be thread-safe, so the filter is set once.
    # The explicit pixel check in ``_check_pixels`` does not depend on it (test runners reset
    # warning filters).
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


_configure_pillow()


class InvalidImage(ValidationFailed):
    """The upload is not a readable JPEG, PNG, WebP or HEIC image."""

    code = "invalid_image"


class ImageTooLarge(TooLarge):
    """The upload has more bytes or more pixels than allowed."""

    code = "image_too_large"


@dataclass(frozen=True)
class Rendition:
    data: bytes = field(repr=False)
    width: int
    height: int
    content_type: str = CONTENT_TYPE


@dataclass(frozen=True)
class ProcessedImage:
    """The renditions, plus what was learnt from the original before its metadata was dropped."""

    renditions: dict[str, Rendition]
    width: int  # of the original, after EXIF orientation
    height: int
    gps: tuple[float, float] | None  # (lat, lon) in decimal degrees
    source_format: str  # "JPEG", "PNG", "WEBP" or "HEIF"


def process_image(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    sizes: Mapping[str, int] = DEFAULT_SIZES,
) -> ProcessedImage:
    """Validate an uploaded photo and make JPEG renditions that fit ``sizes`` on their long side.

    Raises :class:`ImageTooLarge` (413) for more than ``max_bytes`` bytes or ``max_pixels`` pixels
    and :class:`InvalidImage` (422) for anything that is not a whole JPEG, PNG, WebP or HEIF image.
    ``sizes`` maps rendition names to long sides in pixels; renditions are never upscaled.
    """
    targets = _targets(sizes)
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The photo is larger than {max_bytes / 2**20:.3g} MB.")
    with _translated_errors():
        image = _open_verified(data, max_pixels)
        source_format = "JPEG" if image.format == "MPO" else str(image.format)
        if source_format == "JPEG":
            _check_jpeg_length(data, image.size)
        raw_size = image.size
        icc_profile = image.info.get("icc_profile")
        _draft(image, targets[0][1])
        image.load()
        exif = _read_exif(image)
        gps = _gps(exif)
        width, height = _oriented_size(raw_size, exif)
        if exif is not None and _orientation(exif) != 1:
            ImageOps.exif_transpose(image, in_place=True)
        image = _to_rgb(image)
    return ProcessedImage(
        renditions=_renditions(image, (width, height), targets, icc_profile),
        width=width,
        height=height,
        gps=gps,
        source_format=source_format,
    )


def _targets(sizes: Mapping[str, int]) -> list[tuple[str, int]]:
    """The renditions to make, largest first, so that each can be derived from the one before."""
    if not sizes:
        raise ValueError("sizes must name at least one rendition")
    for name, long_side in sizes.items():
        if not isinstance(long_side, int) or long_side < 1:
            raise ValueError(f"size {name!r} must be a positive int, not {long_side!r}")
    return sorted(sizes.items(), key=lambda item: item[1], reverse=True)


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn whatever Pillow raises on hostile bytes into the two domain errors."""
    try:
        yield
    except _BOMB_ERRORS as exc:
        raise ImageTooLarge("The photo has too many pixels.") from exc
    except _DECODE_ERRORS as exc:
        raise InvalidImage("The file is not a readable JPEG, PNG, WebP or HEIC image.") from exc


def _open(data: bytes, max_pixels: int) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    _check_pixels(image.size, max_pixels)
    return image


def _open_verified(data: bytes, max_pixels: int) -> Image.Image:
    with _open(data, max_pixels) as probe:
        probe.verify()
    return _open(data, max_pixels)  # a verified image cannot be loaded: open it again


# Arithmetic-coded frames (SOF9-11, SOF13-15) may spend less than a bit on a block.
_ARITHMETIC_SOF = frozenset({0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _check_jpeg_length(data: bytes, size: tuple[int, int]) -> None:
    """Refuse a JPEG too short for the pixels its header claims.

    libjpeg decodes a truncated scan without an error, padding it with grey, so a small
    file claiming 40 megapixels would pass (and cost the full decode). Huffman coding spends
    at least one bit on each 8x8 block of the fullest component, a sound lower bound."""
    if _arithmetic_coded(data):
        return
    blocks = math.ceil(size[0] / 8) * math.ceil(size[1] / 8)
    if len(data) * 8 < blocks:
        raise InvalidImage("The photo is truncated: it holds fewer pixels than it claims.")


def _arithmetic_coded(data: bytes) -> bool:
    """Whether the frame header (read up to the first scan) is arithmetic-coded."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _ARITHMETIC_SOF:
            return True
        if marker == 0xDA:  # start of scan: the frame header is behind us
            return False
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return False


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    """Refuse on the header's size, whatever the warning filters say."""
    limit = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    pixels = size[0] * size[1]
    if pixels > limit:
        raise ImageTooLarge(
            f"The photo has {pixels / 1e6:.1f} megapixels; the limit is {limit / 1e6:g}."
        )


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """``size`` scaled down so that its long side is at most ``long_side``; never scaled up."""
    width, height = size
    scale = long_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _draft(image: Image.Image, long_side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale, never below the largest rendition.

    ``draft`` only reduces when given the aspect-correct target. HEIF is left alone: its plugin's
    draft would swap in an embedded thumbnail instead of the primary image.
    """
    if image.format in ("JPEG", "MPO"):
        image.draft(None, _fit(image.size, long_side))


def _read_exif(image: Image.Image) -> Image.Exif | None:
    """The EXIF block, or None when it is unreadable: a bad EXIF block does not spoil the photo."""
    try:
        return image.getexif()
    except _DECODE_ERRORS:
        return None


def _orientation(exif: Image.Exif | None) -> int:
    value = exif.get(ExifTags.Base.Orientation, 1) if exif is not None else 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _oriented_size(size: tuple[int, int], exif: Image.Exif | None) -> tuple[int, int]:
    width, height = size
    return (height, width) if _orientation(exif) in _SWAPS_SIDES else (width, height)


def _gps(exif: Image.Exif | None) -> tuple[float, float] | None:
    """(lat, lon) from the EXIF GPS block, or None when absent, partial or implausible.

    Exactly (0, 0) is what some cameras write without a fix, so it counts as no position.
    """
    if exif is None:
        return None
    tags = ExifTags.GPS
    try:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _coordinate(info.get(tags.GPSLatitude), info.get(tags.GPSLatitudeRef), "NS", 90)
        lon = _coordinate(info.get(tags.GPSLongitude), info.get(tags.GPSLongitudeRef), "EW", 180)
    except _DECODE_ERRORS:
        return None
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _coordinate(value: object, ref: object, hemispheres: str, bound: int) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals, negative for S and W.

    Without a valid reference the hemisphere is unknown, and a guess could put a report on the
    wrong continent, so there is no position at all.
    """
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    hemisphere = ref.strip("\x00 ").upper() if isinstance(ref, str) else ""
    if len(hemisphere) != 1 or hemisphere not in hemispheres:
        return None
    if not isinstance(value, tuple) or not 1 <= len(value) <= 3:
        return None
    parts = [float(part) for part in value]
    if not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if degrees > bound:
        return None
    sign = -1 if hemisphere == hemispheres[1] else 1
    return round(sign * degrees, 7)


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency flattened onto white and 16-bit grey scaled to 8 bits."""
    if image.mode.startswith("I"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "RGB":
        rgb = image
    elif image.has_transparency_data:
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, "white")
        rgb.paste(rgba, mask=rgba)  # blends by the alpha band: fewer full-size copies
    else:
        rgb = image.convert("RGB")
    rgb.info = {}  # nothing from the original (comment, XMP, ICC) may reach a rendition
    return rgb


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert pixels from an embedded RGB colour profile (Display P3, Adobe RGB ...) to sRGB.

    The renditions carry no profile, and untagged JPEG means sRGB. An unusable profile is ignored.
    """
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if source.profile.xcolor_space.strip() != "RGB" or _is_srgb(source.profile):
            return image
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
    except (ImageCms.PyCMSError, *_DECODE_ERRORS):
        return image
    if converted is None:
        return image
    converted.info = {}
    return converted


def _is_srgb(profile: ImageCms.core.CmsProfile) -> bool:
    """Whether a profile has sRGB's primaries (within rounding): converting would change nothing."""
    pairs = zip(_colorants(profile), _SRGB_COLORANTS, strict=True)
    return all(abs(a - b) < 0.003 for a, b in pairs)


def _colorants(profile: ImageCms.core.CmsProfile) -> tuple[float, ...]:
    """The XYZ of the red, green and blue primaries, flattened."""
    colorants = (profile.red_colorant, profile.green_colorant, profile.blue_colorant)
    return tuple(value for colorant in colorants for value in colorant[0])


_SRGB_COLORANTS = _colorants(ImageCms.createProfile("sRGB"))  # plain floats, shared read-only


def _renditions(
    image: Image.Image,
    size: tuple[int, int],
    targets: list[tuple[str, int]],
    icc_profile: bytes | None,
) -> dict[str, Rendition]:
    """Resize the largest first, then each smaller one from the previous one (less work).

    Target sizes come from the original's size, not from the drafted one, so that the aspect
    ratio is exact. The colour conversion, if any, runs once, on the largest rendition.
    """
    renditions = {}
    for index, (name, long_side) in enumerate(targets):
        target = _fit(size, long_side)
        if image.size != target:
            image = image.resize(target, RESAMPLE, reducing_gap=2.0)
        if index == 0:
            image = _to_srgb(image, icc_profile)
        renditions[name] = Rendition(_encode(image), *image.size)
    return renditions


def _encode(image: Image.Image) -> bytes:
    """Progressive JPEG; given no ``exif``, ``xmp`` or ``icc_profile``, Pillow writes none."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return buffer.getvalue()
