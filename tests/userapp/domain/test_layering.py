"""The hexagon holds: the domain and the use cases import no web framework and no database library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import user_service

PACKAGE = Path(user_service.__file__).parent
FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "psycopg", "alembic", "pydantic", "jwt", "argon2")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", ["domain", "application"])
def test_inner_layers_import_no_framework(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    offending = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in files
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
        or module.startswith(("user_service.infrastructure", "user_service.api"))
    }
    assert not offending
