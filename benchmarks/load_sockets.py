"""The sockets of benchmarks/load_test.py: N residents' phones with the app open, and a few
staff desks, all through nginx; and the live-update delivery probe.

    .venv/bin/python benchmarks/load_sockets.py URL FIXTURE --sockets N --desks D \
        --seconds S --out result.json

Every socket is a python-socketio ``AsyncClient`` (websocket transport, a resident's bearer
token) in one asyncio process, subscribed to its ``user`` room, idle as a phone is. The D
desks (staff of the probe's department) subscribe to ``department:<code>``. Once all are
connected it prints ``connected N`` and, every second for S seconds, files a case over HTTP
and times its ``case.event`` on every desk: delivery latency from just before the POST to
the desk's receipt (so it includes the request, under whatever load runs meanwhile).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

import aiohttp
import socketio

CONNECT_BATCH = 50  # sockets connecting at once


async def _connect(url: str, token: str, room: str, timeout: float = 60):
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, transports=["websocket"], auth={"token": token},
                         wait_timeout=timeout)  # fmt: skip
    answer = await client.call("subscribe", {"room": room}, timeout=timeout)
    if not answer.get("ok"):
        raise RuntimeError(f"subscribe {room}: {answer}")
    return client


async def _connect_all(url, tokens, count, room, failures) -> list:
    clients = []
    for start in range(0, count, CONNECT_BATCH):
        batch = [tokens[i % len(tokens)] for i in range(start, min(start + CONNECT_BATCH, count))]
        results = await asyncio.gather(*(_connect(url, t, room) for t in batch),
                                       return_exceptions=True)  # fmt: skip
        for result in results:
            if isinstance(result, BaseException):
                failures.append(repr(result)[:200])
            else:
                clients.append(result)
    return clients


async def main(args) -> dict:
    fixture = json.loads(open(args.fixture, encoding="utf-8").read())  # noqa: SIM115
    failures: list[str] = []
    started = time.monotonic()
    phones = await _connect_all(args.url, fixture["residents"], args.sockets, "user", failures)
    desk_tokens = [d["token"] for d in fixture["staff"] if d["department"] == "roads"]
    desks = await _connect_all(args.url, desk_tokens, args.desks, "department:roads", failures)
    connect_s = time.monotonic() - started
    print(f"connected {len(phones) + len(desks)}", flush=True)

    sent: dict[int, float] = {}
    arrived: list[tuple[int, float]] = []  # (case id, when), every desk's submit events

    def on_event(payload):
        # the event often arrives before the POST's answer is read: matched afterwards
        if payload["event"]["action"] == "submit":
            arrived.append((payload["case_id"], time.monotonic()))

    for desk in desks:
        desk.on("case.event", on_event)
    report = {"category": "pothole", "lat": fixture["centre"][0], "lon": fixture["centre"][1],
              "description": "Live probe", "answers": {"size": "small"}}  # fmt: skip
    headers = {"Authorization": "Bearer " + fixture["residents"][0]}
    probes = 0
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            before = time.monotonic()
            async with http.post(args.url + "/api/v1/cases", json=report, headers=headers) as r:
                body = await r.json()
            if r.status == 201:
                sent[body["id"]] = before
                probes += 1
            else:
                failures.append(f"probe: {r.status}")
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - before)))
        await asyncio.sleep(5)  # the last probes' events
    latencies = [at - sent[case_id] for case_id, at in arrived if case_id in sent]
    lost = probes * len(desks) - len(latencies)
    still = sum(1 for c in phones + desks if c.connected)
    await asyncio.gather(*(c.disconnect() for c in phones + desks), return_exceptions=True)
    ordered = sorted(latencies)
    return {
        "sockets": len(phones) + len(desks),
        "asked": args.sockets + args.desks,
        "still_connected": still,
        "connect_s": round(connect_s, 1),
        "probes": probes,
        "deliveries": len(latencies),
        "lost": lost,
        "p50_ms": round(1000 * statistics.median(ordered), 1) if ordered else None,
        "p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else None,
        "max_ms": round(1000 * ordered[-1], 1) if ordered else None,
        "failures": failures[:20],
        "failure_count": len(failures),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("fixture")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--desks", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", required=True)
    result = asyncio.run(main(parser.parse_args()))
    with open(parser.parse_args().out, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=2)
    sys.exit(0)
