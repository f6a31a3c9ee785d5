"""Incidents: emergencies that span departments (issue #16, docs/emergencies.md)."""
