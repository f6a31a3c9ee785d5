"""Time the photo pipeline on a 12-megapixel JPEG against a naive Pillow baseline.

Run from the repository root:  .venv/bin/python benchmarks/photo_processing.py [--runs N]

The baseline is what one writes first: a full decode, then LANCZOS resizes of the full image to
1600 and 400 px, saved with the same JPEG settings. ``process_image`` adds verification, a GPS
read, orientation and colour handling, yet decodes at reduced scale and derives the thumbnail
from the large rendition.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import PIL
import pillow_heif
from PIL import Image

from backend.media.processing import JPEG_QUALITY, process_image
from benchmarks.common import cpu_model

WIDTH, HEIGHT = 4000, 3000
SIZES = {"large": 1600, "thumb": 400}


def photo_like(width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """A picture with structure (a fractal, gradients) and sensor-like noise."""
    fractal = Image.effect_mandelbrot((width // 4, height // 4), (-2.2, -1.2, 1.0, 1.2), 80)
    fractal = fractal.resize((width, height), Image.Resampling.BICUBIC)
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 16)
    channels = (
        Image.blend(fractal, noise, 0.35),
        Image.blend(gradient, noise, 0.25),
        Image.blend(gradient.transpose(Image.Transpose.ROTATE_180), fractal, 0.5),
    )
    return Image.merge("RGB", channels)


def encoded(image: Image.Image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=quality)
    return buffer.getvalue()


def naive(data: bytes) -> dict[str, bytes]:
    """Full decode, LANCZOS from the full image for every size, same encoder settings."""
    image = Image.open(io.BytesIO(data))
    image.load()
    out = {}
    for name, long_side in SIZES.items():
        scale = long_side / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        buffer = io.BytesIO()
        resized = image.resize(size, Image.Resampling.LANCZOS)
        resized.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
        out[name] = buffer.getvalue()
    return out


def pipeline(data: bytes) -> dict[str, bytes]:
    return {name: r.data for name, r in process_image(data, sizes=SIZES).renditions.items()}


def timings(function: Callable[[bytes], dict[str, bytes]], data: bytes, runs: int) -> list[float]:
    function(data)  # warm-up: plugin loading, first allocations
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        function(data)
        results.append((time.perf_counter() - start) * 1000)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per case (default 10)")
    parser.add_argument("--heic", action="store_true", help="also time the same picture as HEIC")
    args = parser.parse_args()

    picture = photo_like()
    data = encoded(picture, "JPEG", 90)
    cases = [("naive (full decode, LANCZOS)", naive, data), ("process_image", pipeline, data)]
    print(f"input: {WIDTH}x{HEIGHT} JPEG, {len(data) / 1e6:.2f} MB; {args.runs} runs per case")
    if args.heic:
        heic = encoded(picture, "HEIF", 50)
        cases.append(("process_image, same picture as HEIC", pipeline, heic))
        print(f"       {WIDTH}x{HEIGHT} HEIC, {len(heic) / 1e6:.2f} MB")
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()}, "
        f"Pillow {PIL.__version__}, pillow-heif {pillow_heif.__version__}"
    )
    print()
    print("| case | median ms | min ms | max ms | large bytes | thumb bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    medians = []
    for label, function, payload in cases:
        times = timings(function, payload, args.runs)
        out = function(payload)
        medians.append(statistics.median(times))
        print(
            f"| {label} | {medians[-1]:.0f} | {min(times):.0f} | {max(times):.0f} "
            f"| {len(out['large']):,} | {len(out['thumb']):,} |"
        )
    baseline, ours = medians[:2]
    print()
    print(f"process_image takes {ours / baseline:.0%} of the naive time ({baseline / ours:.1f}x).")


if __name__ == "__main__":
    main()
