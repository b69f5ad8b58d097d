"""Errors the CLI turns into one line on stderr and exit code 2."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user: a one-line message and exit code 2."""
