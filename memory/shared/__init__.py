"""Shared state: one URL per kind of state (tickets, keys, budgets, audit, ...) and the small SQL
layer the SQLite and PostgreSQL backends of those stores share (:mod:`.database`)."""
