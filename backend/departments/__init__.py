"""Departments, staff membership and categories with their routing and SLA."""
