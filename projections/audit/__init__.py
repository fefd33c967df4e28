"""The audit read model: one record per event, readable without any other state."""

from projections.audit.model import AuditModel

__all__ = ["AuditModel"]
