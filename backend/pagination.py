"""Page arguments and the list envelope ``{"items", "total", "page", "per_page"}`` (and
``total_estimated`` for the case lists, whose total may be an estimate)."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A documented list envelope for ``item_schema`` (one class per item schema)."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


TOTAL_ESTIMATED = fields.Boolean(
    required=True,
    metadata={
        "description": "true when `total` is an estimate: on PostgreSQL a list (with or"
        " without a text search `q`) matching more than 1,000 cases is counted that far and"
        " then estimated by the database's planner; otherwise false and `total` is exact"
    },
)


@cache
def searchable_page_of(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope of a list that takes a text search (the case lists): also
    ``total_estimated``, as its total may be an estimate."""
    fields_of_page = {**page_of(item_schema)._declared_fields, "total_estimated": TOTAL_ESTIMATED}
    name = f"{item_schema.__name__.removesuffix('Schema')}SearchPage"
    return Schema.from_dict(fields_of_page, name=name)


def paginate(session: Session, stmt: Select, page: int, per_page: int, *, unique=False) -> dict:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    result = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.unique() if unique else result)
    return {"items": items, "total": total or 0, "page": page, "per_page": per_page}


def single_page(items: list) -> dict:
    """The envelope for a list that is always complete (no paging arguments)."""
    return {"items": items, "total": len(items), "page": 1, "per_page": max(len(items), 1)}
