"""User management REST API: the app that the GitOps pipeline promotes through dev, stg and prod."""

__version__ = "0.1.0"
