"""Hotspots: cases counted per grid cell, as GeoJSON polygons, computed in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.departments.models import Category
from backend.stats.grid import Grid
from backend.stats.models import CaseSummary as S
from backend.stats.service import Period

MAX_CELLS = 2000


def hotspots(session: Session, period: Period, grid: Grid, statuses: list[str] | None) -> dict:
    """The cells with cases created in the period (of the statuses asked for), busiest
    first, each with its count and its count per category."""
    ix, iy = grid.columns(session.get_bind().dialect.name, S)
    conditions = [S.created_at >= period.start, S.created_at < period.end, *period.scope()]
    if statuses:
        conditions.append(S.status.in_(statuses))
    stmt = (
        select(ix.label("ix"), iy.label("iy"), S.category_id, func.count().label("n"))
        .where(*conditions)
        .group_by(ix, iy, S.category_id)
    )
    codes = dict(session.execute(select(Category.id, Category.code)).all())
    cells: dict[tuple[int, int], dict] = {}
    for row in session.execute(stmt):
        cell = cells.setdefault((row.ix, row.iy), {"count": 0, "categories": {}})
        cell["count"] += row.n
        cell["categories"][codes[row.category_id]] = row.n
    busiest = sorted(cells.items(), key=lambda item: (-item[1]["count"], item[0]))[:MAX_CELLS]
    return {
        "type": "FeatureCollection",
        "cell_m": grid.cell_m,
        "features": [
            {
                "type": "Feature",
                "id": f"{x}:{y}",
                "geometry": grid.polygon(x, y),
                "properties": {"cell": f"{x}:{y}", **cell},
            }
            for (x, y), cell in busiest
        ],
    }
