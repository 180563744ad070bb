"""Requests the simulator refuses, mirroring what Kargo's API server and webhooks would refuse.

Each error carries the HTTP status Kargo would answer with, so a gateway can report it the same way.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Base class: the message is meant for a person and names the object involved."""

    status_code = 400


class InvalidRequestError(SimulatorError):
    """Malformed input, e.g. an image tag that is not 8 hex digits or an empty actor."""


class NotFoundError(SimulatorError):
    status_code = 404


class UnknownStageError(NotFoundError):
    pass


class UnknownFreightError(NotFoundError):
    pass


class UnknownPromotionError(NotFoundError):
    pass


class FreightNotAvailableError(SimulatorError):
    """Kargo's webhook answers 422 "Freight is not available to this Stage"."""

    status_code = 422


class PromotionTerminalError(SimulatorError):
    """Abort of a Promotion that already finished."""

    status_code = 409


class DuplicateFreightError(SimulatorError):
    """The same artifacts were already discovered: Kargo creates no second Freight for them."""

    status_code = 409
