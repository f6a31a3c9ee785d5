"""What the PWA needs to know about this installation (map tiles, centre, languages)."""
