"""A Web Push service on loopback, written for the tests, and a browser's subscription keys.

It does what a real push service and browser do between them: checks the VAPID JWT
(RFC 8292: ES256 signature by the key in ``k``, ``aud`` = its own origin, ``exp`` within
24 hours, ``sub`` a mailto:/https: URL) and decrypts the aes128gcm body (RFC 8291) with the
browser's private key and auth secret. Each endpoint answers with the status set for it.
A held endpoint keeps its next request waiting until released; one whose sender has gone
meanwhile (a killed job worker) is dropped, as a real service drops an unfinished request.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

WAIT = 5.0


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class BrowserKeys:
    """What ``pushManager.subscribe`` creates in a browser: a P-256 pair and a secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )


@dataclass
class Delivery:
    token: str
    claims: dict
    vapid_public_key: str
    payload: dict
    headers: dict = field(default_factory=dict)


def verify_vapid(authorization: str, origin: str) -> tuple[dict, str]:
    """The claims and public key of a valid ``vapid t=..., k=...`` header; raises otherwise."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", f"scheme {scheme!r}"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    assert json.loads(b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    signature = b64url_decode(signature_b64)
    assert len(signature) == 64, "ES256 signatures are r || s, 64 bytes"
    der = utils.encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == origin, f"aud {claims['aud']!r} is not {origin!r}"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "exp outside 24 h"
    sub = claims["sub"]
    assert sub.startswith("https://") or (sub.startswith("mailto:") and "@" in sub), sub
    return claims, key


class FakePushService:
    """An HTTP push service on 127.0.0.1; ``subscription(keys)`` gives a browser's JSON."""

    def __init__(self):
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        self.errors: list[str] = []
        self._keys: dict[str, BrowserKeys] = {}
        self._status: dict[str, int] = {}
        self._held: dict[str, tuple[threading.Event, threading.Event]] = {}
        self.dropped: list[str] = []  # tokens of held requests whose sender went away
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def subscription(self, keys: BrowserKeys, *, status: int = 201) -> dict:
        token = secrets.token_urlsafe(12)
        self._keys[token], self._status[token] = keys, status
        endpoint = f"{self.origin}/push/{token}"
        return {"endpoint": endpoint, "expirationTime": None,
                "keys": {"p256dh": keys.p256dh, "auth": b64url(keys.auth)}}  # fmt: skip

    def set_status(self, endpoint: str, status: int) -> None:
        self._status[endpoint.rsplit("/", 1)[1]] = status

    def hold(self, endpoint: str) -> None:
        """Keep the next request to ``endpoint`` waiting until :meth:`release`."""
        self._held[endpoint.rsplit("/", 1)[1]] = (threading.Event(), threading.Event())

    def wait_held(self, endpoint: str, timeout: float = WAIT) -> None:
        """Return once a request to the held ``endpoint`` is waiting."""
        arrived, _ = self._held[endpoint.rsplit("/", 1)[1]]
        assert arrived.wait(timeout), f"no request to the held endpoint within {timeout}s"

    def release(self, endpoint: str) -> None:
        _, released = self._held.pop(endpoint.rsplit("/", 1)[1])
        released.set()

    def wait(self, timeout: float = WAIT) -> Delivery:
        try:
            return self.deliveries.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no push within {timeout}s; errors: {self.errors}") from None

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _receive(self, token: str, headers, body: bytes) -> int:
        keys = self._keys.get(token)
        if keys is None:
            return 404
        try:
            assert headers.get("Content-Encoding") == "aes128gcm", "content encoding"
            assert int(headers.get("TTL", "-1")) >= 0, "TTL header"
            claims, key = verify_vapid(headers.get("Authorization", ""), self.origin)
            payload = json.loads(keys.decrypt(body))
        except Exception as exc:  # recorded and answered like a real service would
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return 400
        status = self._status[token]
        if status < 300:
            self.deliveries.put(Delivery(token, claims, key, payload, dict(headers)))
        return status

    def _handler_class(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                token = self.path.rsplit("/", 1)[-1]
                held = service._held.get(token)
                if held is not None:
                    held[0].set()
                    held[1].wait(60)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if held is not None and self._sender_gone():
                    service.dropped.append(token)
                    return
                status = service._receive(token, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _sender_gone(self) -> bool:
                try:
                    return self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
                except BlockingIOError:
                    return False
                except OSError:
                    return True

            def log_message(self, *_args):
                pass

        return Handler
