"""The HTTP adapter: FastAPI routes, request/response schemas, dependencies and error handlers."""
