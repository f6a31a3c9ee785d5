"""User and API-key administration (admin only): adapters over ``auth.administration``."""

from __future__ import annotations

from flask_smorest import Blueprint

from backend.auth import administration
from backend.auth.permissions import require_admin
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
from backend.extensions import db
from backend.idempotency import idempotent
from backend.pagination import PageArgs, page_of

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@blp.before_request
def _admins_only():
    """Answer non-admins before their arguments are parsed, so they learn nothing of the
    console's schemas; the services check again for every other caller."""
    require_admin(user())


@blp.route("/users", methods=["GET"])
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, page_of(AdminUserSchema))
def list_users(args):
    """Users, newest first; `q` searches name and e-mail."""
    return administration.list_users(db.session, user(), args)


@blp.route("/users", methods=["POST"])
@idempotent
@blp.arguments(UserCreateSchema)
@blp.response(201, AdminUserSchema)
def create_user(data):
    """Create an account of any role, with its departments."""
    account = administration.create_user(db.session, user(), data)
    db.session.commit()
    return account


@blp.route("/users/<int:user_id>", methods=["GET"])
@blp.response(200, AdminUserSchema)
def get_user(user_id):
    """One user, with contact details."""
    return administration.get_user(db.session, user(), user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserUpdateSchema)
@blp.response(200, AdminUserSchema)
def update_user(data, user_id):
    """Change role, departments, block or deactivate (`active: false`)."""
    account = administration.update_user(db.session, user(), user_id, data)
    db.session.commit()
    return account


@blp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@blp.response(200, AdminUserSchema)
def sign_out_user(user_id):
    """Sign a person out everywhere: every device, browser and open socket, at once."""
    account = administration.sign_out_everywhere(db.session, user(), user_id)
    db.session.commit()
    return account


@blp.route("/apikeys", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(ApiKeySchema))
def list_api_keys(args):
    """API keys (only their prefixes; keys are shown once, at creation)."""
    return administration.list_api_keys(db.session, user(), args)


@blp.route("/apikeys", methods=["POST"])
@idempotent
@blp.arguments(ApiKeyCreateSchema)
@blp.response(201, ApiKeyCreatedSchema)
def create_api_key(data):
    """Create a key for a machine client; the response is the only time it is shown."""
    key, raw = administration.create_api_key(
        db.session, user(), data["name"], trusted=data["trusted"]
    )
    db.session.commit()
    key.plaintext = raw  # shown this once, never stored
    return key


@blp.route("/apikeys/<int:key_id>", methods=["PATCH"])
@blp.arguments(ApiKeyUpdateSchema)
@blp.response(200, ApiKeySchema)
def update_api_key(data, key_id):
    """Trust a key (its client may post Open311 case updates) or withdraw the trust."""
    key = administration.set_api_key_trusted(db.session, user(), key_id, data["trusted"])
    db.session.commit()
    return key


@blp.route("/apikeys/<int:key_id>", methods=["DELETE"])
@blp.response(200, ApiKeySchema)
def revoke_api_key(key_id):
    """Revoke a key at once."""
    key = administration.revoke_api_key(db.session, user(), key_id)
    db.session.commit()
    return key
