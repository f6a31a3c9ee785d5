"""User and API-key administration (admin only)."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import func, or_, select

from backend.auth import service
from backend.auth.models import ApiKey, User
from backend.auth.permissions import Permission, require
from backend.auth.schemas import (
    AdminUserSchema,
    ApiKeyCreatedSchema,
    ApiKeyCreateSchema,
    ApiKeySchema,
    ApiKeyUpdateSchema,
    UserCreateSchema,
    UserQuerySchema,
    UserUpdateSchema,
)
from backend.auth.session import user
from backend.errors import NotFound
from backend.extensions import db
from backend.idempotency import idempotent
from backend.pagination import PageArgs, page_of, paginate

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@blp.before_request
def _admins_only():
    require(user(), Permission.ADMINISTER)


def _user_or_404(user_id: int) -> User:
    account = db.session.get(User, user_id)
    if account is None:
        raise NotFound("No such user.")
    return account


@blp.route("/users", methods=["GET"])
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, page_of(AdminUserSchema))
def list_users(args):
    """Users, newest first; `q` searches name and e-mail."""
    stmt = select(User).order_by(User.id.desc())
    if args.get("q"):
        like = f"%{args['q'].lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.email).like(like), func.lower(User.display_name).like(like))
        )
    if args.get("role"):
        stmt = stmt.where(User.role == args["role"])
    return paginate(db.session, stmt, args["page"], args["per_page"])


@blp.route("/users", methods=["POST"])
@idempotent
@blp.arguments(UserCreateSchema)
@blp.response(201, AdminUserSchema)
def create_user(data):
    """Create an account of any role, with its departments."""
    account = service.create_user(db.session, **data)
    db.session.commit()
    return account


@blp.route("/users/<int:user_id>", methods=["GET"])
@blp.response(200, AdminUserSchema)
def get_user(user_id):
    """One user, with contact details."""
    return _user_or_404(user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserUpdateSchema)
@blp.response(200, AdminUserSchema)
def update_user(data, user_id):
    """Change role, departments, block or deactivate (`active: false`)."""
    account = service.update_user(db.session, _user_or_404(user_id), data)
    db.session.commit()
    return account


@blp.route("/apikeys", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(ApiKeySchema))
def list_api_keys(args):
    """API keys (only their prefixes; keys are shown once, at creation)."""
    stmt = select(ApiKey).order_by(ApiKey.id.desc())
    return paginate(db.session, stmt, args["page"], args["per_page"])


@blp.route("/apikeys", methods=["POST"])
@idempotent
@blp.arguments(ApiKeyCreateSchema)
@blp.response(201, ApiKeyCreatedSchema)
def create_api_key(data):
    """Create a key for a machine client; the response is the only time it is shown."""
    key, raw = service.create_api_key(db.session, data["name"], trusted=data["trusted"])
    db.session.commit()
    key.plaintext = raw  # shown this once, never stored
    return key


@blp.route("/apikeys/<int:key_id>", methods=["PATCH"])
@blp.arguments(ApiKeyUpdateSchema)
@blp.response(200, ApiKeySchema)
def update_api_key(data, key_id):
    """Trust a key (its client may post Open311 case updates) or withdraw the trust."""
    key = service.set_api_key_trusted(db.session, key_id, data["trusted"])
    db.session.commit()
    return key


@blp.route("/apikeys/<int:key_id>", methods=["DELETE"])
@blp.response(200, ApiKeySchema)
def revoke_api_key(key_id):
    """Revoke a key at once."""
    key = service.revoke_api_key(db.session, key_id)
    db.session.commit()
    return key
