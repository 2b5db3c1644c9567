"""Later: national → regional → coalition instances exchanging cases with per-field
transforms. Empty: a place kept so the layout has a home for it."""
