"""Redis stops: the API keeps serving (filing, listing, rate limits counted in memory),
/readyz says "degraded", and live publishing resumes by itself when Redis returns;
what happened meanwhile is in the database, for clients' ``since`` replay."""

import time

import pytest
import redis
from sqlalchemy import func, select

from backend.cases.models import Case, CaseEvent
from backend.extensions import db, limiter
from tests.operations.faults import RedisServer

pytestmark = pytest.mark.redis
_LIMITER_STATE = ("_storage", "_limiter", "_storage_dead")

CASE = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole"}


@pytest.fixture
def own_redis():
    # The one `limiter` extension takes the storage of the last app bound to it; give the
    # shared app its own back, or the next test's limiter.reset() calls a stopped Redis.
    saved = {name: getattr(limiter, name) for name in _LIMITER_STATE}
    server = RedisServer()
    yield server
    server.stop()
    for name, value in saved.items():
        setattr(limiter, name, value)


@pytest.fixture
def app_overrides(own_redis):
    return {"REDIS_URL": own_redis.url, "SOCKETIO_CHANNEL": f"fault-{own_redis.port}"}


def _channel_hears(own_redis, app, action) -> bool:
    """Whether a Socket.IO message goes out on the app's Redis channel during ``action``."""
    pubsub = redis.Redis.from_url(own_redis.url).pubsub()
    pubsub.subscribe(app.config["SOCKETIO_CHANNEL"])
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    action()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if pubsub.get_message(timeout=0.5):
            return True
    return False


def test_the_api_serves_through_a_redis_outage_and_recovers(
    app, client, city, token_for, own_redis
):
    headers = token_for(city.reporter)
    assert client.get("/readyz").get_json()["status"] == "ok"

    def file():
        assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201

    assert _channel_hears(own_redis, app, file)

    own_redis.stop()
    file()
    file()
    assert client.get("/api/v1/cases").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "degraded"
    assert ready.get_json()["checks"]["redis"].startswith("error")
    assert ready.get_json()["checks"]["database"] == "ok"

    own_redis.start()  # same port, empty: as after a Redis restart
    assert client.get("/readyz").get_json()["status"] == "ok"
    assert _channel_hears(own_redis, app, file)

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 4
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 4
