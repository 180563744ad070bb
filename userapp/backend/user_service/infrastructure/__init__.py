"""Adapters: the database, password hashing, tokens, the clock."""
