"""`python -m dashboard hash-password`: the argon2 hash for a users file entry (never a plain password)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from dashboard.auth.roles import LOGIN_ROLES
from dashboard.auth.users import USER_NAME, hash_password

EXIT_BAD_INPUT = 2


def add_hash_password_parser(
    subparsers: argparse._SubParsersAction,
) -> None:  # pylint: disable=protected-access
    parser = subparsers.add_parser(
        "hash-password",
        help="print the argon2 hash of a password for the users file",
        description=(
            "Reads the password from the terminal (twice), or from standard input when it is not a terminal, "
            "and prints its argon2 hash; with --name and --role, a whole users.yaml entry."
        ),
    )
    parser.add_argument("--name", help="user name: print a users.yaml entry instead of the bare hash")
    parser.add_argument("--role", choices=LOGIN_ROLES, help="role of the entry (with --name)")


def hash_password_command(
    args: argparse.Namespace, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    if bool(args.name) != bool(args.role):
        print("dashboard hash-password: --name and --role go together", file=err)
        return EXIT_BAD_INPUT
    if args.name and not USER_NAME.match(args.name):
        print(f"dashboard hash-password: --name {args.name!r}: 1-64 letters, digits or . _ @ -", file=err)
        return EXIT_BAD_INPUT
    if stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("dashboard hash-password: the passwords differ", file=err)
            return EXIT_BAD_INPUT
    else:
        password = stdin.readline().rstrip("\r\n")
    try:
        hashed = hash_password(password)
    except ValueError as error:
        print(f"dashboard hash-password: {error}", file=err)
        return EXIT_BAD_INPUT
    if args.name:
        out.write(f'  - name: {args.name}\n    role: {args.role}\n    password_hash: "{hashed}"\n')
    else:
        out.write(hashed + "\n")
    return 0
