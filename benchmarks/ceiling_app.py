"""The bare-Flask ceiling for benchmarks/http_ceiling.py: what the framework alone does.

``GET /page/<name>`` returns the bytes CityLoop answered for that request (saved by the
benchmark in ``CEILING_BODIES``, one ``<name>.json`` file each), so both send the same page.
``POST /insert`` validates a JSON report the way a hand-written endpoint would and inserts one
row with SQLAlchemy into ``ceiling_rows`` of ``DATABASE_URL``: the floor under any case
creation.

Served with the same gunicorn flags as ``scripts/serve-production``:

    CEILING_BODIES=... DATABASE_URL=... gunicorn ... benchmarks.ceiling_app:app
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, abort, jsonify, request
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
)

metadata = MetaData()
rows = Table(
    "ceiling_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(160), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(40), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], pool_size=10, pool_pre_ping=True)
metadata.create_all(engine)
bodies = {path.stem: path.read_bytes() for path in Path(os.environ["CEILING_BODIES"]).glob("*")}


@app.get("/page/<name>")
def page(name: str):
    body = bodies.get(name)
    if body is None:
        abort(404)
    return Response(body, mimetype="application/json")


def _problems(data) -> dict:
    if not isinstance(data, dict):
        return {"json": "an object"}
    problems = {}
    for field, limit in (("title", 160), ("description", 4000), ("category", 40)):
        value = data.get(field)
        if not isinstance(value, str) or not 0 < len(value.strip()) <= limit:
            problems[field] = f"a string of 1-{limit} characters"
    for field, bound in (("lat", 90), ("lon", 180)):
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) > bound:
            problems[field] = f"a number within +-{bound}"
    return problems


@app.post("/insert")
def insert_row():
    data = request.get_json(silent=True)
    problems = _problems(data)
    if problems:
        return jsonify(error={"code": "validation_failed", "fields": problems}), 422
    values = {key: data[key] for key in ("title", "description", "category", "lat", "lon")}
    with engine.begin() as connection:
        new_id = connection.execute(
            insert(rows).values(**values, created_at=datetime.now(UTC)).returning(rows.c.id)
        ).scalar_one()
    return jsonify(id=new_id, **values), 201
