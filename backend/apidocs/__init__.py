"""Readable API documentation: Swagger UI, served by CityLoop itself (no CDN)."""
