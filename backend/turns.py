"""Under gevent, every connection takes its turn: one request per turn, not one per client.

A gevent process serves each keep-alive connection in its own greenlet, and a greenlet only
gives way when it would wait. A client that sends its next request as soon as it has the last
answer (a busy phone, a proxy, a load tester) is read without a wait, so its greenlet serves
it again and again while the process's other connections queue: with 50 busy connections a
few answered in half a millisecond and others waited a second (docs/performance.md, "One
process: every connection takes its turn"). Giving way once before each request serves the
connections that are ready in turn, for the cost of one greenlet switch.
"""

from __future__ import annotations


def taking_turns(wsgi_app, async_mode: str):
    """Wrap ``wsgi_app`` to give way to the other ready connections before each request;
    only under gevent: threads are switched by the OS, and an unpatched process has no hub."""
    if async_mode != "gevent":
        return wsgi_app
    from gevent import sleep

    def app(environ, start_response):
        sleep(0)  # to the hub, which runs the connections that became ready meanwhile
        return wsgi_app(environ, start_response)

    return app
