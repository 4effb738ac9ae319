"""User-facing errors.

A `TextladderError` carries one line that says what went wrong and what to do about it. The command
line prints it without a traceback and exits non-zero. Programming errors are not wrapped here: they
stay ordinary exceptions so that bugs remain visible.
"""


class TextladderError(Exception):
    """A problem with the user's input, files or options, explained in one line."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
