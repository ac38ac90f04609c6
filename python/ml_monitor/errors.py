"""The one exception type the CLI turns into a one-line message and a non-zero exit, and
dbt's errors made into such a line."""

import re


class MonitorError(Exception):
    """A problem the user can fix: bad configuration, bad input, a missing table or file."""


_HEADING = re.compile(r"\b(Runtime|Parsing|Compilation|Database) Error\b\s*")


def dbt_error_line(error: object) -> str:
    """A dbt error as one line, without its 'Runtime Error' headings."""
    return _HEADING.sub("", " ".join(line.strip() for line in str(error).splitlines() if line.strip())).strip()
