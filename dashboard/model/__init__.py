"""The board model: pure functions from Kubernetes object dicts to an immutable view model (see README.md)."""

from dashboard.model.board import build_board
from dashboard.model.serialize import board_to_json
from dashboard.model.types import Board
from dashboard.model.validate import InvalidObject, partition_valid, validate_object, validate_objects

__all__ = [
    "Board",
    "InvalidObject",
    "board_to_json",
    "build_board",
    "partition_valid",
    "validate_object",
    "validate_objects",
]
