"""The benchmark and its loopback HTTP helpers (also used by the fault tests)."""
