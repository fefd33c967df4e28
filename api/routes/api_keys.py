"""idgov extension: API keys, created, listed and revoked by an ``admin`` key.

A key's secret is answered once, when it is made; idgov keeps only a keyed digest of it. A
revoked key is refused at once by the API process that revoked it, and by every other within
``IDGOV_API_KEY_CACHE_MS`` (how long a process trusts a key it has checked).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Command, CurrentActor, ServicesDep
from api.models.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyPublic
from api.scopes import needs

router = APIRouter(prefix="/api_keys", tags=["api keys"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyCreate, do: Command) -> ApiKeyCreated:
    """Create an API key with its scopes, optionally restricted to organizations. The answer
    carries the secret, this once: idgov keeps only a keyed digest of it."""
    result, secret = do.commands.api_keys.create_api_key(
        do.context,
        name=body.name,
        scopes=tuple(body.scopes),
        organization_ids=tuple(body.organization_ids),
    )
    public = ApiKeyPublic.from_aggregate(result.value)
    return do.written(result, ApiKeyCreated(**public.model_dump(), secret=secret))


@router.get("", openapi_extra=needs("admin"))
def list_api_keys(_: CurrentActor, services: ServicesDep) -> ApiKeyList:
    """Every API key, revoked ones included, never with its secret."""
    keys = services.commands.api_keys.api_keys()
    return ApiKeyList(data=[ApiKeyPublic.from_aggregate(key) for key in keys])


@router.post("/{api_key_id}/revoke")
def revoke_api_key(api_key_id: str, do: Command, services: ServicesDep) -> ApiKeyPublic:
    """Revoke an API key: refused at once by this process, by every other within
    ``IDGOV_API_KEY_CACHE_MS``. Revoking a revoked key changes nothing."""
    result = do.commands.api_keys.revoke_api_key(do.context, api_key_id)
    services.keys.forget(api_key_id)
    return do.written(result, ApiKeyPublic.from_aggregate(result.value))
