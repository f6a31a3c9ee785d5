"""Area alerts to residents (CAP 1.2 and Atom), and residents' saved places."""
