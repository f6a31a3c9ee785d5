"""Open data: public case data as CSV and GeoJSON downloads (see docs/opendata.md)."""
