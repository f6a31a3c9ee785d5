"""Real image files made at test time, for any test folder: ``from tests.imagegen import jpeg``.

Every picture has a pure red block in its top-left corner as stored, so a test can tell where
the EXIF orientation moved it, over a background with no red in it.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

import pillow_heif
from PIL import ExifTags, Image, ImageCms, TiffImagePlugin

pillow_heif.register_heif_opener()

RED = (255, 0, 0)
_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Jane Resident</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def picture(width: int, height: int, *, mode: str = "RGB") -> Image.Image:
    """A gradient with some noise (so JPEG sizes are realistic) and a red top-left marker."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 20).point(lambda value: value // 3)
    image = Image.merge("RGB", (noise, gradient, gradient.transpose(Image.Transpose.ROTATE_180)))
    image.paste(RED, (0, 0, max(1, width // 8), max(1, height // 8)))
    return image.convert(mode) if mode != "RGB" else image


def exif_bytes(orientation: int | None = None, gps: tuple[float, float] | None = None) -> bytes:
    """An EXIF block with an orientation and a GPS position (signed decimal degrees)."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps is not None:
        lat, lon = gps
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: _dms(abs(lat)),
            ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            ExifTags.GPS.GPSLongitude: _dms(abs(lon)),
        }
    return exif.tobytes()


def _dms(degrees: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = round(((degrees - whole) * 60 - minutes) * 60 * 10000)
    rational = TiffImagePlugin.IFDRational
    return rational(whole, 1), rational(minutes, 1), rational(seconds, 10000)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """The bytes of ``image`` saved as ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(
    width: int = 640,
    height: int = 480,
    *,
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
    mode: str = "RGB",
    quality: int = 90,
    **options: object,
) -> bytes:
    """A JPEG; ``options`` go to ``Image.save`` (``icc_profile``, ``xmp``, ``comment`` ...)."""
    if orientation is not None or gps is not None:
        options["exif"] = exif_bytes(orientation, gps)
    return encode(picture(width, height, mode=mode), "JPEG", quality=quality, **options)


def jpeg_with_all_metadata(width: int = 640, height: int = 480) -> bytes:
    """A JPEG carrying EXIF (with GPS), XMP, a comment and an sRGB ICC profile."""
    return jpeg(
        width,
        height,
        orientation=1,
        gps=(48.8584, 2.2945),
        xmp=_XMP,
        comment=b"taken by Jane Resident",
        icc_profile=srgb_icc(),
    )


def png_with_alpha(width: int = 64, height: int = 48) -> bytes:
    """An RGBA PNG: left half fully transparent, right half opaque red."""
    image = Image.new("RGBA", (width, height), (0, 255, 0, 0))
    image.paste((255, 0, 0, 255), (width // 2, 0, width, height))
    return encode(image, "PNG")


def png(width: int = 64, height: int = 48, *, mode: str = "RGB") -> bytes:
    return encode(picture(width, height, mode=mode), "PNG")


def png_16bit_grey(width: int = 32, height: int = 32, value: int = 32768) -> bytes:
    """A 16-bit greyscale PNG of one value (32768 is mid-grey)."""
    return encode(Image.new("I;16", (width, height), value), "PNG")


def webp(
    width: int = 64, height: int = 48, *, lossless: bool = False, alpha: bool = False
) -> bytes:
    image = picture(width, height)
    if alpha:
        image.putalpha(Image.linear_gradient("L").resize((width, height)))
    return encode(image, "WEBP", lossless=lossless, quality=80)


def heic(
    width: int = 64,
    height: int = 48,
    *,
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
) -> bytes:
    """A HEIC; an EXIF orientation is written by pillow-heif as a HEIF rotation."""
    options: dict[str, object] = {"quality": 80}
    if orientation is not None or gps is not None:
        options["exif"] = exif_bytes(orientation, gps)
    return encode(picture(width, height), "HEIF", **options)


def other_format(fmt: str, width: int = 32, height: int = 24) -> bytes:
    """A valid image in a format the pipeline refuses (GIF, BMP, TIFF, ICO ...)."""
    return encode(picture(width, height), fmt)


def decompression_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real, valid 1-bit PNG of ``width`` x ``height`` white pixels, a few KB compressed.

    Written by hand so that the test never holds the full image in memory.
    """
    row = b"\x00" + b"\xff" * ((width + 7) // 8)  # filter type 0, then the packed bits
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row) for _ in range(height)]
    idat = b"".join(chunks) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND")


def _chunk(kind: bytes, body: bytes = b"") -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def truncated_jpeg(width: int = 640, height: int = 480, keep: float = 0.6) -> bytes:
    """The first ``keep`` of a JPEG's bytes: the header is fine, the scan data stops."""
    data = jpeg(width, height)
    return data[: int(len(data) * keep)]


def jpeg_claiming(width: int = 6000, height: int = 4000) -> bytes:
    """A whole small JPEG whose frame header claims ``width`` x ``height``: libjpeg decodes
    what data there is and pads the rest with grey, without an error."""
    data = bytearray(jpeg(64, 48))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def text_as_jpg() -> bytes:
    """What arrives when someone renames notes.txt to photo.jpg."""
    return "Pothole on Main St, about 30 cm wide.\nPlease fix — merci, ¡gracias!\n".encode()


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def red_green_swapped_icc() -> bytes:
    """An RGB profile whose red channel means sRGB's green primary, and the reverse.

    Made from the sRGB profile by swapping its ``rXYZ`` and ``gXYZ`` tag offsets: pure red
    pixels tagged with it are green once converted to sRGB, which makes conversion visible.
    """
    data = bytearray(srgb_icc())
    entries = {}
    (count,) = struct.unpack_from(">I", data, 128)
    for index in range(count):
        position = 132 + 12 * index
        entries[bytes(data[position : position + 4])] = position
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    data[red + 4 : red + 12], data[green + 4 : green + 12] = (
        data[green + 4 : green + 12],
        data[red + 4 : red + 12],
    )
    return bytes(data)


def solid_jpeg(color: Sequence[int], *, icc_profile: bytes | None = None, size: int = 64) -> bytes:
    """A one-colour JPEG, optionally tagged with a colour profile."""
    options: dict[str, object] = {"quality": 95}
    if icc_profile is not None:
        options["icc_profile"] = icc_profile
    return encode(Image.new("RGB", (size, size), tuple(color)), "JPEG", **options)


def mpo(width: int = 64, height: int = 48) -> bytes:
    """A two-picture MPO, what many phones write: Pillow opens it as format 'MPO'."""
    first, second = picture(width, height), picture(width, height).rotate(180)
    return encode(first, "MPO", save_all=True, append_images=[second])


def animated_webp(width: int = 64, height: int = 48) -> bytes:
    frames = [picture(width, height), Image.new("RGB", (width, height), "blue")]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)
