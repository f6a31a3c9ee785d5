"""Photo pipeline and content-addressed file storage (no Flask dependency)."""
