"""Routers: operational endpoints at the root, the API under /api."""
