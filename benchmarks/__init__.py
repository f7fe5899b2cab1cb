"""Benchmarks of authomatic-extras against upstream, Authlib and the bare core.

Run ``python -m benchmarks`` (or ``python -m benchmarks --quick``) from the
repository root; see ``benchmarks/README.md``.
"""
