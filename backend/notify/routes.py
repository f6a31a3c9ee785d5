"""HTTP adapters: the notification inbox, preferences, and Web Push subscriptions."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from backend.auth.permissions import require_user
from backend.auth.session import user
from backend.extensions import db
from backend.notify import push, service, vapid
from backend.notify.schemas import (
    InboxQuerySchema,
    InboxSchema,
    MarkReadResultSchema,
    MarkReadSchema,
    PreferencesSchema,
    PushEndpointSchema,
    PushKeySchema,
    PushSubscriptionInSchema,
    PushSubscriptionSchema,
)

blp = Blueprint("notify", __name__, url_prefix="/api/v1", description="Notifications and push")


@blp.route("/notifications", methods=["GET"])
@blp.arguments(InboxQuerySchema, location="query")
@blp.response(200, InboxSchema)
def list_notifications(args):
    """One's notifications, newest first, with the unread count."""
    account = require_user(user())
    return service.inbox(db.session, account, **args)


@blp.route("/notifications/read", methods=["POST"])
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkReadResultSchema)
def mark_read(data):
    """Mark notifications read: `{"ids": [...]}` or `{"all": true}`."""
    account = require_user(user())
    result = service.mark_read(
        db.session, account, ids=data.get("ids"), everything=bool(data.get("all"))
    )
    db.session.commit()
    return result


@blp.route("/notifications/preferences", methods=["GET"])
@blp.response(200, PreferencesSchema)
def get_preferences():
    """The channel for each kind: `live`, `push`, `email`, `digest` (a daily summary, by
    push, or by e-mail without a device) or `off`."""
    return service.preferences(db.session, require_user(user()))


@blp.route("/notifications/preferences", methods=["PUT"])
@blp.arguments(PreferencesSchema)
@blp.response(200, PreferencesSchema)
def put_preferences(data):
    """Change the channel of some kinds; kinds left out keep theirs."""
    result = service.set_preferences(db.session, require_user(user()), data)
    db.session.commit()
    return result


@blp.route("/push/key", methods=["GET"])
@blp.response(200, PushKeySchema)
def push_key():
    """The VAPID public key (application server key) for `pushManager.subscribe`."""
    return {"public_key": vapid.public_key_of(vapid.vapid_key(current_app))}


@blp.route("/push/subscriptions", methods=["POST"])
@blp.arguments(PushSubscriptionInSchema)
@blp.response(201, PushSubscriptionSchema)
@blp.alt_response(200, schema=PushSubscriptionSchema, description="Already known")
def add_subscription(data):
    """Keep this device's push subscription (the same endpoint again updates it).

    An endpoint registered to another person moves only with its own keys (the same browser
    subscription); otherwise 409. At most ten devices a person: the oldest makes room.
    """
    account = require_user(user())
    keys = data["keys"]
    subscription, created = push.subscribe(
        db.session, account, endpoint=data["endpoint"], p256dh=keys["p256dh"], auth=keys["auth"]
    )
    db.session.commit()
    return subscription, 201 if created else 200


@blp.route("/push/subscriptions", methods=["DELETE"])
@blp.arguments(PushEndpointSchema)
@blp.response(204)
def remove_subscription(data):
    """Forget this device's push subscription."""
    push.unsubscribe(db.session, require_user(user()), data["endpoint"])
    db.session.commit()
