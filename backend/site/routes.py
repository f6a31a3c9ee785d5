from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from backend.moderation.schemas import REASONS

blp = Blueprint("site", __name__, url_prefix="/api/v1", description="Installation settings")


class SiteConfigSchema(Schema):
    tile_url = fields.String(allow_none=True)
    tile_attribution = fields.String()
    map_center = fields.List(fields.Float(), required=True)
    map_zoom = fields.Integer(required=True)
    languages = fields.List(fields.String(), required=True)
    city_name = fields.String(required=True)
    flag_reasons = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The reasons `POST /flags` accepts, in the order to offer them."},
    )


@blp.route("/config", methods=["GET"])
@blp.response(200, SiteConfigSchema)
def site_config():
    """Public settings for clients: map tiles and centre, languages, the city's name, the
    reasons a person may give when reporting content."""
    config = current_app.config
    return {
        "tile_url": config["TILE_URL"] or None,
        "tile_attribution": config["TILE_ATTRIBUTION"],
        "map_center": list(config["MAP_CENTER"]),
        "map_zoom": config["MAP_ZOOM"],
        "languages": ["en", "zh-CN"],
        "city_name": config["CITY_NAME"],
        "flag_reasons": REASONS,
    }
