"""How sockets are carried: websocket frames go out uncompressed.

Browsers offer permessage-deflate on every websocket, and simple-websocket accepts it. Each
socket then keeps its own zlib compressor and deflates every broadcast again for itself: at
2,000 listeners that was a third more CPU per broadcast and 100 KB more memory per socket
(docs/performance.md, "Live: CPU per broadcast against Node"). Node's socket.io leaves it off
by default for the same reason. Live payloads are a kilobyte or two, and nginx can still
compress the HTTP API.
"""

from __future__ import annotations

OFFER = "HTTP_SEC_WEBSOCKET_EXTENSIONS"


def without_websocket_compression(wsgi_app):
    """Wrap ``wsgi_app`` so that no websocket handshake sees an extension offer: the server
    then accepts none, and frames are sent as they are."""

    def app(environ, start_response):
        environ.pop(OFFER, None)
        return wsgi_app(environ, start_response)

    return app
