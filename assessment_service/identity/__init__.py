"""Identity: users, their global roles, and bearer tokens."""
