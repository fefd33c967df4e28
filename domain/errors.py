"""Named domain errors. The API maps each class to an HTTP status; the code is machine-readable."""


class DomainError(Exception):
    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "entity_not_found"


class Conflict(DomainError):
    """The change contradicts existing state (a duplicate, a concurrent change)."""

    code = "conflict"


class Rejected(DomainError):
    """The request is well-formed but the entity's state does not allow it."""

    code = "invalid_request"


class Invalid(DomainError):
    """A field's value is not acceptable."""

    def __init__(self, message: str, *, code: str, field: str) -> None:
        super().__init__(message, code=code)
        self.field = field
