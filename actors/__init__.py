"""The sealed registry of actors ("know your customer"): buying houses, companies, traders,
armed groups and offices, their licences and relations, and their links to cases."""
