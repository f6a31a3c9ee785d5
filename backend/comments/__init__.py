"""Comments on anything that registers as a target (cases, proposals): threaded, votable,
editable for a short time, with staff internal notes where the target allows them."""
