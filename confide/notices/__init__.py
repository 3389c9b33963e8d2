"""Know-your-rights notices, posters and wallet cards generated from the live policy."""
