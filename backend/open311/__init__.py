"""Open311 GeoReport v2: a thin adapter over the cases domain (see docs/open311.md)."""
