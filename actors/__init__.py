"""The sealed registry of actors ("know your customer"): buying houses, companies, armed
groups, licences and their links to cases. Empty until its issue lands."""
