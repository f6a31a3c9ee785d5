"""Steps the browser tests share: sign up in a context, wait for the worker or a screen, photos."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from tests.browser.support import Server
from tests.helpers import PASSWORD
from tests.imagegen import jpeg

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A string no other test (or earlier run against the same server) uses."""
    return f"{prefix} {os.getpid()}-{next(_counter)}"


def sign_up(context, *, name: str | None = None) -> dict:
    """Register a resident through the API inside ``context``: its pages are then signed in."""
    n = next(_counter)
    csrf = context.request.get("/api/v1/auth/csrf")
    assert csrf.ok, csrf.text()
    response = context.request.post(
        "/api/v1/auth/register",
        data={
            "email": f"resident{os.getpid()}-{n}@browser.test",
            "password": PASSWORD,
            "display_name": name or f"Resident {n}",
        },
        headers={"X-CSRFToken": csrf.json()["csrf_token"]},
    )
    assert response.status == 201, response.text()
    return response.json()


def wait_for_worker(page) -> None:
    """Until the service worker is active and controls the page (its precache is complete)."""
    state = page.evaluate("async () => (await navigator.serviceWorker.ready).active.state")
    assert state in {"activating", "activated"}, state
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def wait_for_screen(page) -> None:
    """Until the screen has rendered: no boot placeholder and no loading skeleton left."""
    page.wait_for_function(
        """() => {
          const main = document.getElementById('main');
          return main && main.children.length > 0 && !main.querySelector('.boot, .skeleton-wrap');
        }"""
    )


def photo_with_gps(directory: Path, lat: float, lon: float, name: str = "pothole.jpg") -> Path:
    """A real JPEG (1280x960, a gradient with noise) whose EXIF carries a GPS position."""
    path = directory / name
    path.write_bytes(jpeg(1280, 960, gps=(lat, lon)))
    return path


def file_case(server: Server, **fields) -> dict:
    """A case filed through the API by the seeded reporter (JSON, no photo)."""
    body = {
        "category": "pothole",
        "lat": 31.2304,
        "lon": 121.4737,
        "description": unique("A deep pothole in the cycle lane"),
        "address": "People's Square, Huangpu",
    } | fields
    return server.reporter.ok("POST", "/cases", expect=201, json=body)


def sign_in(context, email: str, password: str = PASSWORD) -> dict:
    """Sign ``context`` in as an existing account (its pages share the session cookie)."""
    csrf = context.request.get("/api/v1/auth/csrf")
    assert csrf.ok, csrf.text()
    response = context.request.post(
        "/api/v1/auth/login",
        data={"email": email, "password": password},
        headers={"X-CSRFToken": csrf.json()["csrf_token"]},
    )
    assert response.ok, response.text()
    return response.json()


def make_account(server: Server, role: str, departments: tuple[str, ...] = ()) -> str:
    """A new account made by the admin (staff of ``departments``, a volunteer ...): its email."""
    email = f"{role}{os.getpid()}-{next(_counter)}@browser.test"
    server.admin.ok(
        "POST",
        "/admin/users",
        expect=201,
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": unique(role.title()).replace(f" {os.getpid()}-", " "),
            "role": role,
            "departments": list(departments),
        },
    )
    return email


def api_in(context, method: str, path: str, body: dict | None = None, expect: int = 200):
    """Call the API as the person signed in to ``context`` (cookie session and CSRF)."""
    csrf = context.request.get("/api/v1/auth/csrf").json()["csrf_token"]
    response = context.request.fetch(
        f"/api/v1{path}", method=method, data=body, headers={"X-CSRFToken": csrf}
    )
    assert response.status == expect, f"{method} {path}: {response.status} {response.text()}"
    return response.json() if response.body() else None


def mark_document(page) -> None:
    """Set a marker that only survives while the page is not reloaded."""
    page.evaluate("window.__sameDocument = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")
