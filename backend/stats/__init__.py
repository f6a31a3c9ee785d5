"""Statistics of the closed loop's evaluation stage (DESIGN.md: the open platform)."""
