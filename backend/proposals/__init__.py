"""Residents' proposals: written, supported or opposed, reviewed and answered by the city."""
