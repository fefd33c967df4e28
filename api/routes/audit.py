"""The audit log: every recorded change, who made it, for whom, from where and why (an idgov
extension, not part of the WorkOS API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Pagination, Reads, reads
from api.errors import invalid_parameters
from api.models.audit import AuditEventPublic
from api.models.common import Instant, ListResponse, listed
from projections.audit import queries

router = APIRouter(prefix="/audit", tags=["audit"])

AuditReads = Annotated[Reads, Depends(reads("audit"))]


@router.get("/events")
def list_audit_events(
    reads: AuditReads,
    page: Pagination,
    organization_id: Annotated[str | None, Query(max_length=255)] = None,
    actor: Annotated[str | None, Query(max_length=255)] = None,
    target: Annotated[str | None, Query(max_length=255)] = None,
    event_type: Annotated[list[str] | None, Query()] = None,
    occurred_after: Annotated[Instant | None, Query()] = None,
    occurred_before: Annotated[Instant | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=255)] = None,
) -> ListResponse[AuditEventPublic]:
    """The audit trail: one record per recorded change, oldest first by default, each with who
    made it and for whom, from where, what it touched (named as it was then), the change
    before and after, and why. Every filter given must hold."""
    for name, cursor in (("before", page.before), ("after", page.after)):
        if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) < 20):
            raise invalid_parameters(f"'{name}' is an audit event's id.", "invalid_format", name)
    where = queries.AuditFilter(
        organization_id=organization_id,
        actor_id=actor,
        target_id=target,
        event_types=tuple(t for value in event_type or [] for t in value.split(",") if t),
        occurred_after=occurred_after,
        occurred_before=occurred_before,
        search=q,
    )
    with reads.connection() as reader:
        found = queries.events(reader, page, where)
    return listed(found, AuditEventPublic.from_row)
