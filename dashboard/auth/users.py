"""Built-in users: a YAML file of names, roles and argon2 password hashes, or generated demo logins.

    users:
      - name: ana
        role: qa
        password_hash: "$argon2id$v=19$m=65536,t=3,p=4$..."   # python -m dashboard hash-password

In a cluster the file comes from a Kubernetes Secret mounted read-only (helm/dashboard does that), so the
board itself needs no right to read Secrets.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dashboard.auth.roles import (
    LOGIN_ROLES,
)
from dashboard.vocabulary import ADMIN, PO, QA

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this when the user is unknown keeps "no such user" as slow as "wrong password"."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class UsersFileError(ValueError):
    """The users file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str = ""
    # Demo logins keep their generated password in memory only; stored credentials are always hashed.
    demo_password: str = ""


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _HASHER.hash(password)


class UserDirectory:
    """The users who can log in with a password; `authenticate` answers the User or None."""

    def __init__(self, users: Mapping[str, User], generated: bool = False) -> None:
        self._users = dict(users)
        self.generated = generated  # demo logins made at start-up (printed once)

    def __len__(self) -> int:
        return len(self._users)

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        user = self._users.get(name)
        if user is not None and user.demo_password:
            ok = hmac.compare_digest(user.demo_password.encode(), password.encode())
            return user if ok else None
        try:
            _HASHER.verify(user.password_hash if user else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return user

    def demo_logins(self) -> list[tuple[str, str, str]]:
        """(name, role, password) of generated logins, for the start-up banner and tests."""
        return [(u.name, u.role, u.demo_password) for u in self._users.values() if u.demo_password]


def demo_directory() -> UserDirectory:
    """qa, po and admin with fresh random passwords: only in demo mode, valid until the process ends."""
    users = {role: User(role, role, demo_password=secrets.token_urlsafe(12)) for role in (QA, PO, ADMIN)}
    return UserDirectory(users, generated=True)


def load_users(path: str | Path) -> UserDirectory:
    """Read and validate the users file; every problem is a UsersFileError naming the file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsersFileError(f"users file {path}: cannot read it ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise UsersFileError(f"users file {path}: not valid YAML ({error})") from None
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsersFileError(f"users file {path}: expected a mapping with a 'users' list")
    users: dict[str, User] = {}
    for index, entry in enumerate(entries):
        user = _user(path, index, entry)
        if user.name in users:
            raise UsersFileError(f"users file {path}: user {user.name!r} is listed twice")
        users[user.name] = user
    return UserDirectory(users)


def _user(path: Path, index: int, entry: object) -> User:
    where = f"users file {path}: users[{index}]"
    if not isinstance(entry, dict):
        raise UsersFileError(f"{where}: expected a mapping with name, role and password_hash")
    name, role, password_hash = entry.get("name"), entry.get("role"), entry.get("password_hash")
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise UsersFileError(f"{where}: name {name!r} must be 1-64 letters, digits or . _ @ -")
    if role not in LOGIN_ROLES:
        raise UsersFileError(f"{where} ({name}): role {role!r}; expected one of {', '.join(LOGIN_ROLES)}")
    if not isinstance(password_hash, str) or not password_hash.startswith("$argon2"):
        raise UsersFileError(
            f"{where} ({name}): password_hash must be an argon2 hash "
            "(make one with `python -m dashboard hash-password`); plain passwords are not accepted"
        )
    unknown = set(entry) - {"name", "role", "password_hash"}
    if unknown:
        raise UsersFileError(f"{where} ({name}): unknown keys {', '.join(sorted(unknown))}")
    return User(name=name, role=role, password_hash=password_hash)
