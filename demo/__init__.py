"""Simulated OCPI parties and the `make demo` scenario (python -m demo)."""
