"""The one error body every route answers with, WorkOS's shape."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    """One field at fault and why."""

    field: str = Field(
        description="The field, parameter or header at fault, dotted for nested fields.",
        examples=["domain_data.0.domain"],
    )
    code: str = Field(
        description="Why it is at fault: required, unknown_field, too_long, invalid_value, …",
        examples=["required"],
    )


class ErrorBody(BaseModel):
    """An error: a stable machine-readable ``code``, a message for people, and for invalid
    input the fields at fault."""

    code: str = Field(description="Stable, machine-readable error code.", examples=["not_found"])
    message: str = Field(description="What went wrong, for people.")
    errors: list[FieldError] | None = Field(
        default=None, description="The fields at fault, on invalid input."
    )
