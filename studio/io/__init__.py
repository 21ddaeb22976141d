"""Export, history, settings and paths; no Qt."""
