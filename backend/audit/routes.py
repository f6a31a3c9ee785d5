"""The audit log, for administrators."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.audit.schemas import AuditEntrySchema, AuditQuerySchema
from backend.auth.permissions import Permission, require
from backend.auth.session import user
from backend.extensions import db
from backend.pagination import page_of, paginate

blp = Blueprint("audit", __name__, url_prefix="/api/v1/admin", description="Audit log")


@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, page_of(AuditEntrySchema))
def audit_log(args):
    """Every administrative change, newest first: who, what, before and after (admin)."""
    require(user(), Permission.ADMINISTER)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    for name in ("target_type", "target_id", "actor_id"):
        if name in args:
            stmt = stmt.where(getattr(AuditEntry, name) == args[name])
    return paginate(db.session, stmt, args["page"], args["per_page"])
