"""The assessors' house format, both ways: ``render_markdown`` and ``parse_house_format``."""

from .parse import Check, ConsistencyReport, HouseFormatError, Imported, parse_house_format
from .render import render_markdown

__all__ = [
    "Check",
    "ConsistencyReport",
    "HouseFormatError",
    "Imported",
    "parse_house_format",
    "render_markdown",
]
