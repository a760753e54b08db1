"""Neopro's shared package: the contracts, the device data directory, media helpers, the CLI."""

__version__ = "0.1.0"
