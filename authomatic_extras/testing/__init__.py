"""Local test providers (being written)."""
