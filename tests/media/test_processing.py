"""The photo pipeline on real files generated at test time."""

from __future__ import annotations

import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin

from backend.errors import TooLarge, ValidationFailed
from backend.media.processing import (
    ImageTooLarge,
    InvalidImage,
    ProcessedImage,
    Rendition,
    process_image,
)
from tests import imagegen

BUENOS_AIRES = (-34.6037, -58.3816)  # S, W


def reopen(rendition: Rendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.data))
    image.load()
    return image


def is_red(pixel: tuple[int, ...]) -> bool:
    red, green, blue = pixel[:3]
    return red > 180 and green < 90 and blue < 90


def corner(image: Image.Image, name: str) -> tuple[int, int]:
    """A point well inside the given corner's marker-sized block."""
    width, height = image.size
    x = width // 40 if "left" in name else width - 1 - width // 40
    y = height // 40 if "top" in name else height - 1 - height // 40
    return x, y


# --- what comes out ----------------------------------------------------------------------------


def test_jpeg_gives_large_and_thumb_progressive_jpegs() -> None:
    result = process_image(imagegen.jpeg(2000, 1500))

    assert isinstance(result, ProcessedImage)
    assert (result.width, result.height, result.source_format) == (2000, 1500, "JPEG")
    assert set(result.renditions) == {"large", "thumb"}
    for name, size in {"large": (1600, 1200), "thumb": (400, 300)}.items():
        rendition = result.renditions[name]
        image = reopen(rendition)
        assert (rendition.width, rendition.height) == size == image.size
        assert rendition.content_type == "image/jpeg"
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert image.info.get("progressive") or image.info.get("progression")


def test_result_is_frozen() -> None:
    result = process_image(imagegen.jpeg(64, 48))
    with pytest.raises(FrozenInstanceError):
        result.width = 1  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        result.renditions["large"].data = b""  # type: ignore[misc]


@pytest.mark.parametrize(
    ("size", "large", "thumb"),
    [
        ((300, 200), (300, 200), (300, 200)),
        ((800, 600), (800, 600), (400, 300)),
        ((1600, 900), (1600, 900), (400, 225)),
        ((1601, 10), (1600, 10), (400, 2)),
        ((3, 4000), (1, 1600), (1, 400)),
    ],
)
def test_renditions_fit_the_long_side_and_never_upscale(size, large, thumb) -> None:
    result = process_image(imagegen.png(*size))

    assert (result.renditions["large"].width, result.renditions["large"].height) == large
    assert (result.renditions["thumb"].width, result.renditions["thumb"].height) == thumb
    assert reopen(result.renditions["thumb"]).size == thumb


def test_custom_sizes_are_all_made() -> None:
    result = process_image(imagegen.jpeg(1200, 900), sizes={"a": 100, "b": 1000, "c": 5000})

    sizes = {name: (r.width, r.height) for name, r in result.renditions.items()}
    assert sizes == {"a": (100, 75), "b": (1000, 750), "c": (1200, 900)}


@pytest.mark.parametrize("sizes", [{}, {"large": 0}, {"large": -5}, {"large": 1.5}])
def test_bad_sizes_are_a_programming_error(sizes) -> None:
    with pytest.raises(ValueError, match="size"):
        process_image(imagegen.jpeg(64, 48), sizes=sizes)


def test_big_jpeg_is_decoded_reduced_not_in_full(monkeypatch) -> None:
    decoded_sizes = []
    original_load = JpegImagePlugin.JpegImageFile.load

    def spying_load(self):
        decoded_sizes.append(self.size)
        return original_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spying_load)

    result = process_image(imagegen.jpeg(3200, 2400))

    assert set(decoded_sizes) == {(1600, 1200)}  # libjpeg scaled the decode by 1/2
    assert (result.width, result.height) == (3200, 2400)


# --- orientation and GPS -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orientation", "red_corner", "turned"),
    [
        (1, "top-left", False),
        (2, "top-right", False),
        (3, "bottom-right", False),
        (4, "bottom-left", False),
        (5, "top-left", True),
        (6, "top-right", True),
        (7, "bottom-right", True),
        (8, "bottom-left", True),
    ],
)
def test_exif_orientation_is_applied(orientation, red_corner, turned) -> None:
    result = process_image(imagegen.jpeg(640, 480, orientation=orientation))

    expected = (480, 640) if turned else (640, 480)
    assert (result.width, result.height) == expected
    for rendition in result.renditions.values():
        image = reopen(rendition)
        assert image.size[0] < image.size[1] if turned else image.size[0] > image.size[1]
        for name in ("top-left", "top-right", "bottom-left", "bottom-right"):
            assert is_red(image.getpixel(corner(image, name))) == (name == red_corner), name


def test_orientation_6_with_gps_south_west_is_turned_and_located_then_stripped() -> None:
    data = imagegen.jpeg(1200, 800, orientation=6, gps=BUENOS_AIRES)

    result = process_image(data)

    assert (result.width, result.height) == (800, 1200)
    assert (result.renditions["large"].width, result.renditions["large"].height) == (800, 1200)
    assert result.gps == pytest.approx(BUENOS_AIRES, abs=1e-6)
    for rendition in result.renditions.values():
        image = reopen(rendition)
        assert not image.getexif()
        assert "exif" not in image.info
        assert b"Exif" not in rendition.data
        assert b"GPS" not in rendition.data


@pytest.mark.parametrize(
    "position",
    [(51.5007, -0.1246), (-33.8568, 151.2153), (40.6892, -74.0445), (35.6586, 139.7454)],
)
def test_gps_hemispheres(position) -> None:
    result = process_image(imagegen.jpeg(64, 48, gps=position))

    assert result.gps == pytest.approx(position, abs=1e-6)
    assert result.gps[0] * position[0] > 0
    assert result.gps[1] * position[1] > 0


def test_no_gps_without_gps_tags() -> None:
    assert process_image(imagegen.jpeg(64, 48, orientation=1)).gps is None
    assert process_image(imagegen.jpeg(64, 48)).gps is None


def test_gps_at_exactly_zero_zero_means_no_fix() -> None:
    assert process_image(imagegen.jpeg(64, 48, gps=(0.0, 0.0))).gps is None


def test_gps_without_hemisphere_reference_is_ignored() -> None:
    exif = Image.Exif()
    exif[0x8825] = {2: (34.0, 36.0, 13.32), 4: (58.0, 22.0, 53.76)}  # no N/S, E/W
    data = imagegen.encode(imagegen.picture(64, 48), "JPEG", exif=exif.tobytes())

    assert process_image(data).gps is None


def test_corrupt_exif_block_does_not_spoil_the_photo() -> None:
    data = imagegen.jpeg(64, 48, exif=b"Exif\x00\x00this is not a TIFF header at all")

    result = process_image(data)

    assert result.gps is None
    assert (result.width, result.height) == (64, 48)


# --- metadata never leaves ---------------------------------------------------------------------


def test_renditions_carry_no_exif_xmp_comment_or_profile() -> None:
    data = imagegen.jpeg_with_all_metadata(800, 600)
    original = Image.open(io.BytesIO(data))
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(original.info)  # the input has them

    result = process_image(data)

    assert result.gps is not None
    for rendition in result.renditions.values():
        image = reopen(rendition)
        assert not image.getexif()
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
        for marker in (b"Exif", b"http://ns.adobe.com/xap", b"xmpmeta", b"Jane", b"ICC_PROFILE"):
            assert marker not in rendition.data


def test_pixels_tagged_with_another_profile_are_converted_to_srgb() -> None:
    data = imagegen.solid_jpeg((255, 0, 0), icc_profile=imagegen.red_green_swapped_icc())

    image = reopen(process_image(data).renditions["large"])

    red, green, _ = image.getpixel((10, 10))
    assert green > 200 and red < 60  # the profile said "this red channel is green"
    assert "icc_profile" not in image.info


def test_srgb_tagged_pixels_are_left_alone() -> None:
    data = imagegen.solid_jpeg((255, 0, 0), icc_profile=imagegen.srgb_icc())

    assert is_red(reopen(process_image(data).renditions["large"]).getpixel((10, 10)))


def test_unusable_colour_profile_is_ignored() -> None:
    data = imagegen.solid_jpeg((255, 0, 0), icc_profile=b"not an icc profile" * 10)

    assert is_red(reopen(process_image(data).renditions["large"]).getpixel((10, 10)))


# --- formats -----------------------------------------------------------------------------------


def test_heic_is_accepted() -> None:
    result = process_image(imagegen.heic(320, 240, gps=BUENOS_AIRES))

    assert result.source_format == "HEIF"
    assert (result.width, result.height) == (320, 240)
    assert result.gps == pytest.approx(BUENOS_AIRES, abs=1e-6)
    assert reopen(result.renditions["large"]).format == "JPEG"


def test_heic_rotation_is_applied_once() -> None:
    result = process_image(imagegen.heic(320, 240, orientation=6))

    assert (result.width, result.height) == (240, 320)
    image = reopen(result.renditions["large"])
    assert image.size == (240, 320)
    assert is_red(image.getpixel(corner(image, "top-right")))
    assert not is_red(image.getpixel(corner(image, "top-left")))


def test_png_alpha_is_flattened_onto_white() -> None:
    result = process_image(imagegen.png_with_alpha(64, 48))

    assert result.source_format == "PNG"
    image = reopen(result.renditions["large"])
    assert image.mode == "RGB"
    assert all(channel > 245 for channel in image.getpixel((5, 24)))  # transparent -> white
    assert is_red(image.getpixel((58, 24)))


def test_half_transparent_pixels_are_blended_with_white() -> None:
    data = imagegen.encode(Image.new("RGBA", (16, 16), (255, 0, 0, 128)), "PNG")

    red, green, blue = reopen(process_image(data).renditions["large"]).getpixel((8, 8))

    assert red > 245
    assert 115 <= green <= 140 and 115 <= blue <= 140


def test_palette_transparency_is_flattened_onto_white() -> None:
    image = Image.new("P", (16, 16), 0)
    image.putpalette([0, 0, 0, 255, 0, 0])
    image.paste(1, (8, 0, 16, 16))
    data = imagegen.encode(image, "PNG", transparency=0)

    flattened = reopen(process_image(data).renditions["large"])

    assert all(channel > 245 for channel in flattened.getpixel((2, 8)))
    assert is_red(flattened.getpixel((13, 8)))


@pytest.mark.parametrize("mode", ["L", "P", "LA", "RGBA", "1"])
def test_png_modes_become_rgb(mode) -> None:
    image = reopen(process_image(imagegen.png(64, 48, mode=mode)).renditions["large"])
    assert image.mode == "RGB"
    assert image.size == (64, 48)


def test_16_bit_grey_png_keeps_its_brightness() -> None:
    image = reopen(process_image(imagegen.png_16bit_grey(value=32768)).renditions["large"])

    assert all(120 <= channel <= 136 for channel in image.getpixel((10, 10)))


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_become_rgb(mode) -> None:
    image = reopen(process_image(imagegen.jpeg(64, 48, mode=mode)).renditions["large"])
    assert image.mode == "RGB"


@pytest.mark.parametrize(
    "data",
    [imagegen.webp(64, 48), imagegen.webp(64, 48, lossless=True, alpha=True)],
    ids=["lossy", "lossless-alpha"],
)
def test_webp_is_accepted(data) -> None:
    result = process_image(data)

    assert result.source_format == "WEBP"
    assert reopen(result.renditions["thumb"]).size == (64, 48)


def test_animated_webp_gives_its_first_frame() -> None:
    image = reopen(process_image(imagegen.animated_webp(64, 48)).renditions["large"])
    assert is_red(image.getpixel((2, 2)))


def test_mpo_from_a_phone_counts_as_jpeg() -> None:
    assert process_image(imagegen.mpo()).source_format == "JPEG"


# --- refusals ----------------------------------------------------------------------------------


def test_error_classes_map_to_the_api_errors() -> None:
    assert issubclass(InvalidImage, ValidationFailed)
    assert (InvalidImage.status, InvalidImage.code) == (422, "invalid_image")
    assert issubclass(ImageTooLarge, TooLarge)
    assert (ImageTooLarge.status, ImageTooLarge.code) == (413, "image_too_large")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PPM", "TGA"])
def test_other_image_formats_are_invalid(fmt) -> None:
    with pytest.raises(InvalidImage) as caught:
        process_image(imagegen.other_format(fmt))
    assert caught.value.code == "invalid_image"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 1000,
        imagegen.text_as_jpg(),
        "🚧 nid-de-poule ✔ — ╚══╝".encode(),
        "\ufeffnotes".encode("utf-16"),
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        b"\xff\xd8\xff\xe0" + b"\x00" * 50,  # a JPEG signature and nothing more
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    ],
    ids=[
        "empty",
        "zeros",
        "text",
        "unicode",
        "utf16",
        "svg",
        "jpeg-sig",
        "png-sig",
        "webp-sig",
        "heic-sig",
    ],
)
def test_garbage_is_invalid(data) -> None:
    with pytest.raises(InvalidImage):
        process_image(data)


@pytest.mark.parametrize("size", [(640, 480), (3200, 2400)], ids=["full-decode", "draft-decode"])
def test_truncated_jpeg_is_invalid(size) -> None:
    with pytest.raises(InvalidImage):
        process_image(imagegen.truncated_jpeg(*size))


@pytest.mark.parametrize("size", [(6000, 4000), (3000, 2000)])
def test_a_jpeg_whose_header_claims_more_pixels_than_its_data_holds_is_invalid(size) -> None:
    with pytest.raises(InvalidImage, match="truncated"):
        process_image(imagegen.jpeg_claiming(*size))


def test_a_tiny_but_whole_large_jpeg_is_accepted() -> None:
    """The check is a sound lower bound: a flat 4000 x 3000 photo compresses very well."""
    result = process_image(imagegen.solid_jpeg((120, 120, 120), size=3000))
    assert result.width == 3000


@pytest.mark.parametrize("maker", [imagegen.png, imagegen.webp, imagegen.heic])
def test_truncated_other_formats_are_invalid(maker) -> None:
    data = maker(256, 192)
    with pytest.raises(InvalidImage):
        process_image(data[: len(data) * 2 // 3])


def test_png_with_a_bad_checksum_is_invalid() -> None:
    data = bytearray(imagegen.png(64, 48))
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    data[idat + 4 + length] ^= 0xFF  # first byte of the IDAT chunk's CRC; the pixels are intact

    with pytest.raises(InvalidImage):
        process_image(bytes(data))


def test_too_many_bytes_is_too_large_before_anything_is_parsed() -> None:
    with pytest.raises(ImageTooLarge) as caught:
        process_image(b"\xff" * (15 * 1024 * 1024 + 1))
    assert caught.value.status == 413
    assert "15 MB" in caught.value.message


def test_byte_limit_is_inclusive() -> None:
    data = imagegen.jpeg(64, 48)
    assert process_image(data, max_bytes=len(data)).width == 64
    with pytest.raises(ImageTooLarge):
        process_image(data, max_bytes=len(data) - 1)


def test_pixel_limit_is_inclusive() -> None:
    data = imagegen.png(100, 50)
    assert process_image(data, max_pixels=5000).width == 100
    with pytest.raises(ImageTooLarge):
        process_image(data, max_pixels=4999)


@pytest.fixture
def no_decoding(monkeypatch):
    """Make any pixel decode fail loudly: refusals must come from the header alone."""

    def refuse(self):
        raise AssertionError("pixels were decoded")

    for cls in (ImageFile.ImageFile, PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        monkeypatch.setattr(cls, "load", refuse)


def test_decompression_bomb_is_refused_from_its_header(no_decoding) -> None:
    bomb = imagegen.decompression_bomb(20_000, 20_000)
    assert len(bomb) < 200_000  # 400 megapixels in a small file

    with pytest.raises(ImageTooLarge):
        process_image(bomb)


@pytest.mark.parametrize("action", ["error", "ignore", "default"])
def test_pixel_limit_holds_whatever_the_warning_filters(no_decoding, action) -> None:
    bomb = imagegen.decompression_bomb(9_000, 5_000)  # 45 MP: above 40 MP, below Pillow's error

    with warnings.catch_warnings():
        warnings.simplefilter(action)
        with pytest.raises(ImageTooLarge):
            process_image(bomb)


def test_decompression_bomb_warning_as_error_is_too_large(no_decoding) -> None:
    bomb = imagegen.decompression_bomb(9_000, 8_000)  # 72 MP: Pillow warns (limit 64 MP)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises(ImageTooLarge) as caught:
            process_image(bomb, max_pixels=10**9)
    assert isinstance(caught.value.__cause__, Image.DecompressionBombWarning)


def test_pillow_pixel_limit_was_lowered() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS <= 64_000_000


# --- robustness --------------------------------------------------------------------------------

SEEDS = {
    "jpeg": imagegen.jpeg(48, 32, orientation=6, gps=BUENOS_AIRES),
    "png": imagegen.png_with_alpha(24, 16),
    "webp": imagegen.webp(24, 16),
    "heic": imagegen.heic(24, 16),
}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise_anything_else(data) -> None:
    with pytest.raises((InvalidImage, ImageTooLarge)):
        process_image(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    keep=st.none() | st.floats(0, 1),
    warning_action=st.sampled_from(["ignore", "error"]),
)
def test_damaged_images_are_processed_or_refused_cleanly(seed, edits, keep, warning_action) -> None:
    data = bytearray(SEEDS[seed])
    for position, value in edits:
        data[position % len(data)] = value
    if keep is not None:
        data = data[: int(len(data) * keep)]

    try:
        with warnings.catch_warnings():
            warnings.simplefilter(warning_action)
            result = process_image(bytes(data))
    except (InvalidImage, ImageTooLarge):
        return
    for rendition in result.renditions.values():
        assert reopen(rendition).size == (rendition.width, rendition.height)


def test_threads_give_the_same_bytes_as_one_thread() -> None:
    inputs = [
        imagegen.jpeg(1200, 900, orientation=6, gps=BUENOS_AIRES),
        imagegen.png_with_alpha(300, 200),
        imagegen.webp(300, 200),
        imagegen.heic(300, 200),
        imagegen.truncated_jpeg(),
    ] * 3

    def run(data: bytes) -> object:
        try:
            result = process_image(data)
        except InvalidImage:
            return "invalid"
        return result.gps, {name: r.data for name, r in result.renditions.items()}

    serial = [run(data) for data in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(run, inputs))

    assert parallel == serial
    assert serial[-1] == "invalid"
