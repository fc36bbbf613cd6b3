"""Errors services raise for a rule a request broke; routes show the message."""


class ServiceError(Exception):
    """A request that breaks a business rule; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
