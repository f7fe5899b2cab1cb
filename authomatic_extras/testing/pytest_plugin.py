"""pytest fixtures for the local test providers (being written)."""
