"""The application layer: use cases that orchestrate the domain through its ports."""
