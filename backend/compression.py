"""Gzip for JSON answers: the API's lists are repetitive and shrink ten-fold.

One after_request hook, registered by the app factory. It leaves alone what is not a complete
JSON body in memory (files, streams, 304s), what is already encoded, and bodies too small to
be worth it. Socket.IO's traffic never reaches Flask's hooks (its middleware answers first).
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_BYTES = 1024
LEVEL = 6  # zlib's default: close to 9's size for JSON, at a fraction of its time


def register_compression(app: Flask) -> None:
    app.after_request(compress_json)


def compress_json(response: Response) -> Response:
    if not _is_json(response) or response.direct_passthrough or response.is_streamed:
        return response
    if "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")  # the answer depends on it from here on
    if request.accept_encodings.quality("gzip") <= 0:
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    _weaken_etag(response)
    return response


def _is_json(response: Response) -> bool:
    mimetype = response.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def _weaken_etag(response: Response) -> None:
    """A strong ETag names exact bytes, and the gzipped bytes differ: make it weak, which
    If-None-Match still matches (weak comparison), so 304s keep working."""
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
