"""The access read model: the authorization schema, and (as it grows) resources, assignments
and what checks and discovery need."""

from projections.access.model import AccessModel

__all__ = ["AccessModel"]
