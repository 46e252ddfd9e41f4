"""The index tables, described once: which rows a talk implies, and the audit that checks them (pure)."""
