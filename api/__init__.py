"""Later: partner intake (OpenRosa for ODK Collect, KoboToolbox and Tella; SMS gateways).
Empty: a place kept so the layout has a home for it."""
