"""One Jinja set-up for every template: the options and the filters the renderer, the per-request pages
(Flask's environment) and the static page of `render --format html` share."""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dashboard.model.objects import short_name


def repo_name(url: str) -> str:
    """The last part of an image or Git repository URL (`ghcr.io/acme/backend` -> `backend`)."""
    return url.rsplit("/", 1)[-1]


def breakable(text: str) -> Markup:
    """Text that may wrap after `/`, `.` and `-` only (a URL in large type), never in the middle of a word."""
    return Markup("<wbr>").join(re.split(r"(?<=[/.-])", text))  # join() escapes the text


FILTERS = {"short_name": short_name, "repo_name": repo_name, "breakable": breakable}


def install_filters(environment: Environment) -> None:
    environment.filters.update(FILTERS)


def new_environment() -> Environment:
    """The package's templates, autoescaped, with the shared filters."""
    environment = Environment(
        loader=PackageLoader("dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package and never change while it runs: no stat() of the file on
        # every get_template() (the renderer asks for its templates on every change).
        auto_reload=False,
    )
    install_filters(environment)
    return environment
