"""Tables of the directory read model, and how each event changes them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from domain.events import DomainEvent
from domain.memberships import OrganizationMembership
from domain.organizations import Organization, OrganizationDomain
from domain.users import User
from projections.base import Handler, ReadModel


class DirectoryModel(ReadModel):
    name = "directory"

    def tables(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS organizations ("
            " id text PRIMARY KEY, name text NOT NULL, external_id text,"
            " metadata jsonb NOT NULL, domains jsonb NOT NULL, stripe_customer_id text,"
            " allow_profiles_outside_organization boolean NOT NULL,"
            " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
            # Not UNIQUE: the write side guarantees uniqueness, and an external id released by
            # one organization and taken by another may arrive on another partition first.
            "CREATE INDEX IF NOT EXISTS organizations_by_external_id ON organizations"
            " (external_id)",
            "CREATE INDEX IF NOT EXISTS organizations_domains ON organizations USING gin (domains"
            " jsonb_path_ops)",
            "CREATE TABLE IF NOT EXISTS users ("
            " id text PRIMARY KEY, email text NOT NULL UNIQUE, first_name text, last_name text,"
            " email_verified boolean NOT NULL, external_id text UNIQUE, metadata jsonb NOT NULL,"
            " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
            "CREATE TABLE IF NOT EXISTS memberships ("
            " id text PRIMARY KEY, user_id text NOT NULL, organization_id text NOT NULL,"
            " status text NOT NULL, role_slugs text[] NOT NULL,"
            " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)",
            "CREATE INDEX IF NOT EXISTS memberships_by_organization ON memberships"
            " (organization_id, id)",
            "CREATE INDEX IF NOT EXISTS memberships_by_user ON memberships (user_id, id)",
        ]

    def handlers(self) -> dict[type[Any], Handler]:
        return {
            Organization.Created: _organization_created,
            Organization.Renamed: _set("organizations", "name"),
            Organization.ExternalIdChanged: _set("organizations", "external_id"),
            Organization.MetadataChanged: _set("organizations", "metadata"),
            Organization.DomainsChanged: _domains_changed,
            Organization.StripeCustomerIdChanged: _set("organizations", "stripe_customer_id"),
            Organization.ProfilesPolicyChanged: _set(
                "organizations", "allow_profiles_outside_organization"
            ),
            Organization.Deleted: _delete("organizations"),
            User.Created: _user_created,
            User.Renamed: _set("users", "first_name", "last_name"),
            User.EmailChanged: _set("users", "email", "email_verified"),
            User.EmailVerificationChanged: _set("users", "email_verified"),
            User.ExternalIdChanged: _set("users", "external_id"),
            User.MetadataChanged: _set("users", "metadata"),
            User.Deleted: _delete("users"),
            OrganizationMembership.Created: _membership_created,
            OrganizationMembership.RolesChanged: _set("memberships", "role_slugs"),
            OrganizationMembership.Deactivated: _set_constant("memberships", status="inactive"),
            OrganizationMembership.Reactivated: _set_constant("memberships", status="active"),
            OrganizationMembership.Deleted: _delete("memberships"),
        }


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        return Jsonb(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _domains(domains: tuple[OrganizationDomain, ...]) -> Jsonb:
    return Jsonb([asdict(domain) for domain in domains])


def _update(
    cursor: Cursor[DictRow], table: str, event: DomainEvent, columns: dict[str, Any]
) -> None:
    assignments = ", ".join(f"{column} = %s" for column in columns)
    cursor.execute(
        f"UPDATE {table} SET {assignments}, updated_at = %s WHERE id = %s",
        [*columns.values(), event.timestamp, event.originator_id],
    )


def _set(table: str, *columns: str) -> Handler:
    """Copy event fields into the columns of the same name of the row the event is about."""

    def handle(cursor: Cursor[DictRow], event: DomainEvent) -> None:
        _update(cursor, table, event, {c: _value(getattr(event, c)) for c in columns})

    return handle


def _set_constant(table: str, **columns: Any) -> Handler:
    def handle(cursor: Cursor[DictRow], event: DomainEvent) -> None:
        _update(cursor, table, event, columns)

    return handle


def _delete(table: str) -> Handler:
    def handle(cursor: Cursor[DictRow], event: DomainEvent) -> None:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", (event.originator_id,))

    return handle


def _domains_changed(cursor: Cursor[DictRow], e: Organization.DomainsChanged) -> None:
    _update(cursor, "organizations", e, {"domains": _domains(e.domains)})


def _organization_created(cursor: Cursor[DictRow], e: Organization.Created) -> None:
    cursor.execute(
        "INSERT INTO organizations (id, name, external_id, metadata, domains, stripe_customer_id,"
        " allow_profiles_outside_organization, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            e.originator_id,
            e.name,
            e.external_id,
            Jsonb(e.metadata),
            _domains(e.domains),
            e.stripe_customer_id,
            e.allow_profiles_outside_organization,
            e.timestamp,
            e.timestamp,
        ),
    )


def _user_created(cursor: Cursor[DictRow], e: User.Created) -> None:
    cursor.execute(
        "INSERT INTO users (id, email, first_name, last_name, email_verified, external_id,"
        " metadata,"
        " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            e.originator_id,
            e.email,
            e.first_name,
            e.last_name,
            e.email_verified,
            e.external_id,
            Jsonb(e.metadata),
            e.timestamp,
            e.timestamp,
        ),
    )


def _membership_created(cursor: Cursor[DictRow], e: OrganizationMembership.Created) -> None:
    cursor.execute(
        "INSERT INTO memberships (id, user_id, organization_id, status, role_slugs, created_at,"
        " updated_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            e.originator_id,
            e.user_id,
            e.organization_id,
            e.status,
            list(e.role_slugs),
            e.timestamp,
            e.timestamp,
        ),
    )
