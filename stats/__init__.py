"""Steering statistics and the quarterly report: aggregates over clear metadata only.

Empty until its issue lands. The import rules (tests/test_layers.py) already hold here:
nothing under stats/ may import keys, content or crypto, directly or through another module.
"""
