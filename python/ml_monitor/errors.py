"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class MonitorError(Exception):
    """A problem the user can fix: bad configuration, bad input, a missing table or file."""
