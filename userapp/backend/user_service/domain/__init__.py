"""The domain layer: entities, value objects and rules. Pure Python: no web framework, no database."""
