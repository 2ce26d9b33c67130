"""Doorstep: watch the last mile of every hand-over and close the loop with the customer."""

__version__ = "0.1.0"
