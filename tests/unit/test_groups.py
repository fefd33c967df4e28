"""Groups, their members and their role assignments on the command side (in-memory store):
the rules, the events each change records, and the cascades."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from domain.application import IdentityApplication
from domain.catalog import EVENT_CLASSES, is_public
from domain.errors import Conflict, Invalid, NotFound
from domain.events import Actor, EventContext, event_type
from domain.groups import Group, GroupMember, GroupRoleAssignment
from domain.resources import Resource, root_resource_id
from domain.role_assignments import RoleAssignment
from domain.serialization import event_from_state, event_to_dict
from domain.services.groups import RoleOn
from tests.unit.log_index import LogAccessIndex, in_memory_app

ACTOR = Actor(type="api_key", id="key_groups", name="tests")
CONTEXT = EventContext(actor=ACTOR, source="api", request_id="req_groups", reason="team change")
GROUP_TYPES = {
    "group.created",
    "group.renamed",
    "group.described",
    "group.deleted",
    "group_member.added",
    "group_member.removed",
    "group_role_assignment.created",
    "group_role_assignment.removed",
}


@dataclass
class Acme:
    app: IdentityApplication
    org: str
    other_org: str
    workspace: Resource
    project: Resource
    foreign_workspace: Resource
    alice: str
    bob: str
    stranger: str  # a membership of the other organization


@pytest.fixture
def acme() -> Acme:
    app = in_memory_app()
    app.environment.initialize_environment(CONTEXT)
    for slug, parents in (("workspace", ["organization"]), ("project", ["workspace"])):
        app.schema.create_resource_type(
            CONTEXT, slug=slug, name=slug, description=None, parent_type_slugs=parents
        )
    app.schema.create_permission(
        CONTEXT, slug="project:view", name="View", description=None, resource_type_slug="project"
    )
    for slug, type_slug in (
        ("workspace-admin", "workspace"),
        ("project-viewer", "project"),
        ("billing-admin", None),
    ):
        app.schema.create_role(
            CONTEXT, slug=slug, name=slug, description=None, resource_type_slug=type_slug
        )
    org = app.organizations.create_organization(CONTEXT, name="Acme").value.id
    other_org = app.organizations.create_organization(CONTEXT, name="Other").value.id

    def resource(organization: str, external_id: str, type_slug: str, parent: str | None) -> Any:
        return app.resources.create_resource(
            CONTEXT,
            organization_id=organization,
            resource_type_slug=type_slug,
            external_id=external_id,
            name=external_id,
            parent_resource_id=parent,
        ).value

    workspace = resource(org, "ws", "workspace", None)
    project = resource(org, "proj", "project", workspace.id)
    foreign = resource(other_org, "ws", "workspace", None)

    def member(email: str, organization: str) -> str:
        user = app.users.create_user(CONTEXT, email=email).value
        return app.memberships.create_membership(
            CONTEXT, user_id=user.id, organization_id=organization
        ).value.id

    return Acme(
        app,
        org,
        other_org,
        workspace,
        project,
        foreign,
        member("alice@acme.test", org),
        member("bob@acme.test", org),
        member("stranger@other.test", other_org),
    )


def _events_after(app: IdentityApplication, position: int) -> list[Any]:
    return [
        app.store.mapper.to_domain_event(n)
        for n in app.store.recorder.select_notifications(start=position + 1, limit=100_000)
    ]


def _position(app: IdentityApplication) -> int:
    return app.store.recorder.max_notification_id() or 0


def _public_types(events: list[Any]) -> list[str]:
    return [event_type(type(e)) for e in events if is_public(e)]


# ------------------------------------------------------------------ groups --


def test_a_group_records_each_change_with_its_context(acme: Acme) -> None:
    app, start = acme.app, _position(acme.app)
    group = app.groups.create_group(
        CONTEXT, organization_id=acme.org, name="Platform", description="SREs"
    ).value
    assert group.id.startswith("group_")
    app.groups.update_group(CONTEXT, acme.org, group.id, name="Platform team")
    unchanged = app.groups.update_group(CONTEXT, acme.org, group.id, name="Platform team")
    assert unchanged.position is None
    app.groups.update_group(CONTEXT, acme.org, group.id, description=None, describe=True)
    assert app.groups.get_group(group.id).description is None
    app.groups.delete_group(CONTEXT, acme.org, group.id)
    events = _events_after(app, start)
    assert _public_types(events) == [
        "group.created",
        "group.renamed",
        "group.described",
        "group.deleted",
    ]
    for e in events:
        assert e.context.organization_id == acme.org
        assert (e.context.actor, e.context.request_id, e.context.reason) == (
            ACTOR,
            "req_groups",
            "team change",
        )
    with pytest.raises(NotFound):
        app.groups.get_group(group.id)


def test_a_group_is_found_only_in_its_organization(acme: Acme) -> None:
    group = acme.app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    with pytest.raises(NotFound):
        acme.app.groups.get_group(group.id, acme.other_org)
    with pytest.raises(NotFound):
        acme.app.groups.update_group(CONTEXT, acme.other_org, group.id, name="Stolen")
    with pytest.raises(NotFound):
        acme.app.groups.delete_group(CONTEXT, acme.other_org, group.id)
    with pytest.raises(NotFound):
        acme.app.groups.create_group(
            CONTEXT, organization_id="org_01JZZZZZZZZZZZZZZZZZZZZZZZ", name="G"
        )
    assert acme.app.groups.get_group(group.id, acme.org).name == "G"


# ----------------------------------------------------------------- members --


def test_members_are_added_once_removed_and_added_again(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    start = _position(app)
    assert app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.alice).position is not None
    again = app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.alice)
    assert again.position is None  # a successful no-op
    added = [e for e in _events_after(app, start) if is_public(e)]
    assert [event_type(type(e)) for e in added] == ["group_member.added"]
    assert (added[0].group_id, added[0].organization_membership_id) == (group.id, acme.alice)
    assert added[0].context.organization_id == acme.org

    app.groups.remove_group_member(CONTEXT, acme.org, group.id, acme.alice)
    with pytest.raises(NotFound):
        app.groups.remove_group_member(CONTEXT, acme.org, group.id, acme.alice)
    app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.alice)
    assert _public_types(_events_after(app, start)) == [
        "group_member.added",
        "group_member.removed",
        "group_member.added",
    ]
    assert LogAccessIndex(app.store).group_member_ids(group_id=group.id) != []


def test_only_memberships_of_the_groups_organization_join(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    start = _position(app)
    with pytest.raises(Invalid) as foreign:
        app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.stranger)
    assert (foreign.value.code, foreign.value.field) == (
        "organization_membership_not_in_organization",
        "organization_membership_id",
    )
    with pytest.raises(NotFound):
        app.groups.add_group_member(CONTEXT, acme.org, group.id, "om_01JZZZZZZZZZZZZZZZZZZZZZZZ")
    with pytest.raises(NotFound):
        app.groups.add_group_member(CONTEXT, acme.other_org, group.id, acme.stranger)
    assert _position(app) == start


def test_members_change_in_one_batch(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.alice)
    start = _position(app)
    with pytest.raises(Invalid) as both:
        app.groups.change_group_members(
            CONTEXT, acme.org, group.id, add=[acme.bob], remove=[acme.bob, acme.alice]
        )
    assert both.value.code == "add_and_remove_overlap"
    with pytest.raises(Invalid):  # one bad entry refuses the whole batch
        app.groups.change_group_members(CONTEXT, acme.org, group.id, add=[acme.bob, acme.stranger])
    assert _position(app) == start
    app.groups.change_group_members(
        CONTEXT, acme.org, group.id, add=[acme.bob, acme.alice, acme.bob], remove=[acme.stranger]
    )
    assert _public_types(_events_after(app, start)) == ["group_member.added"]
    app.groups.change_group_members(CONTEXT, acme.org, group.id, remove=[acme.alice, acme.bob])
    assert LogAccessIndex(app.store).group_member_ids(group_id=group.id) == []


# -------------------------------------------------------- role assignments --


def test_group_roles_must_fit_where_they_are_held(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    start = _position(app)
    cases = [
        (RoleOn("workspace-admin"), Invalid, "role_resource_type_mismatch"),
        (RoleOn("workspace-admin", acme.project), Invalid, "role_resource_type_mismatch"),
        (RoleOn("billing-admin", acme.workspace), Invalid, "role_resource_type_mismatch"),
        (RoleOn("nope"), Invalid, "invalid_role"),
        (RoleOn("workspace-admin", acme.foreign_workspace), NotFound, "entity_not_found"),
    ]
    for role_on, error, code in cases:
        with pytest.raises(error) as refused:
            app.groups.assign_group_role(CONTEXT, group.id, role_on)
        assert refused.value.code == code, role_on
    assert _position(app) == start

    org_level = app.groups.assign_group_role(CONTEXT, group.id, RoleOn("billing-admin")).value
    assert org_level.id.startswith("gra_")
    assert org_level.resource_id == root_resource_id(acme.org)
    scoped = app.groups.assign_group_role(
        CONTEXT, group.id, RoleOn("workspace-admin", acme.workspace)
    )
    assert scoped.value.resource_id == acme.workspace.id
    root = app.store.get_resource(root_resource_id(acme.org))
    for duplicate in (RoleOn("billing-admin"), RoleOn("billing-admin", root)):
        with pytest.raises(Conflict) as conflict:
            app.groups.assign_group_role(CONTEXT, group.id, duplicate)
        assert conflict.value.code == "duplicate_group_role_assignment"
    created = [e for e in _events_after(app, start) if is_public(e)]
    assert [event_type(type(e)) for e in created] == ["group_role_assignment.created"] * 2
    assert {(e.group_id, e.role_slug, e.resource_id) for e in created} == {
        (group.id, "billing-admin", root.id),
        (group.id, "workspace-admin", acme.workspace.id),
    }


def test_group_roles_are_removed_by_id_or_by_criteria(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    other = app.groups.create_group(CONTEXT, organization_id=acme.org, name="H").value
    org_level = app.groups.assign_group_role(CONTEXT, group.id, RoleOn("billing-admin")).value
    app.groups.assign_group_role(CONTEXT, group.id, RoleOn("workspace-admin", acme.workspace))
    with pytest.raises(NotFound):
        app.groups.remove_group_role_assignment(CONTEXT, other.id, org_level.id)
    app.groups.remove_group_role_assignment(CONTEXT, group.id, org_level.id)
    with pytest.raises(NotFound):
        app.groups.remove_group_role_assignment(CONTEXT, group.id, org_level.id)
    with pytest.raises(NotFound):
        app.groups.remove_group_role(CONTEXT, group.id, RoleOn("billing-admin"))
    with pytest.raises(NotFound):
        app.groups.remove_group_role(CONTEXT, group.id, RoleOn("workspace-admin", acme.project))
    app.groups.remove_group_role(CONTEXT, group.id, RoleOn("workspace-admin", acme.workspace))
    assert LogAccessIndex(app.store).group_role_assignment_ids(group_id=group.id) == []
    # Removed, the same role can be assigned again.
    app.groups.assign_group_role(CONTEXT, group.id, RoleOn("billing-admin"))


def test_replacing_a_groups_roles_keeps_listed_ones_and_records_each_change(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    kept = app.groups.assign_group_role(
        CONTEXT, group.id, RoleOn("workspace-admin", acme.workspace)
    )
    dropped = app.groups.assign_group_role(CONTEXT, group.id, RoleOn("billing-admin"))
    start = _position(app)
    wanted = [
        RoleOn("workspace-admin", acme.workspace),
        RoleOn("project-viewer", acme.project),
        RoleOn("project-viewer", acme.project),  # listed twice, held once
    ]
    app.groups.replace_group_roles(CONTEXT, group.id, wanted)
    events = [e for e in _events_after(app, start) if is_public(e)]
    assert sorted(event_type(type(e)) for e in events) == [
        "group_role_assignment.created",
        "group_role_assignment.removed",
    ]
    assert next(e for e in events if isinstance(e, GroupRoleAssignment.Removed)).originator_id == (
        dropped.value.id
    )
    index = LogAccessIndex(app.store)
    held = index.group_role_assignment_ids(group_id=group.id)
    assert kept.value.id in held
    assert len(held) == 2
    middle = _position(app)
    assert app.groups.replace_group_roles(CONTEXT, group.id, wanted[:2]).position is None
    assert _position(app) == middle
    with pytest.raises(Invalid):  # one bad entry refuses the whole list
        app.groups.replace_group_roles(CONTEXT, group.id, [RoleOn("workspace-admin", acme.project)])
    app.groups.replace_group_roles(CONTEXT, group.id, [])
    assert index.group_role_assignment_ids(group_id=group.id) == []


def test_a_groups_roles_change_in_one_batch(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    app.groups.assign_group_role(CONTEXT, group.id, RoleOn("billing-admin"))
    start = _position(app)
    root = app.store.get_resource(root_resource_id(acme.org))
    with pytest.raises(Invalid) as both:
        app.groups.change_group_roles(
            CONTEXT,
            group.id,
            add=[RoleOn("billing-admin", root)],
            remove=[RoleOn("billing-admin")],
        )
    assert both.value.code == "add_and_remove_overlap"
    assert _position(app) == start
    app.groups.change_group_roles(
        CONTEXT,
        group.id,
        add=[RoleOn("billing-admin"), RoleOn("workspace-admin", acme.workspace)],
        remove=[RoleOn("project-viewer", acme.project), RoleOn("nope")],
    )
    assert _public_types(_events_after(app, start)) == ["group_role_assignment.created"]
    app.groups.change_group_roles(CONTEXT, group.id, remove=[RoleOn("billing-admin")])
    assert len(LogAccessIndex(app.store).group_role_assignment_ids(group_id=group.id)) == 1


# ---------------------------------------------------------------- cascades --


def _group_with_everything(acme: Acme, name: str = "G") -> Group:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name=name).value
    app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.alice)
    app.groups.add_group_member(CONTEXT, acme.org, group.id, acme.bob)
    app.groups.assign_group_role(CONTEXT, group.id, RoleOn("billing-admin"))
    app.groups.assign_group_role(CONTEXT, group.id, RoleOn("project-viewer", acme.project))
    return group


def test_deleting_a_group_removes_its_members_and_roles_one_event_each(acme: Acme) -> None:
    app = acme.app
    group = _group_with_everything(acme)
    start = _position(app)
    app.groups.delete_group(CONTEXT, acme.org, group.id)
    assert sorted(_public_types(_events_after(app, start))) == [
        "group.deleted",
        "group_member.removed",
        "group_member.removed",
        "group_role_assignment.removed",
        "group_role_assignment.removed",
    ]
    index = LogAccessIndex(app.store)
    assert index.group_member_ids(membership_id=acme.alice) == []
    assert index.group_role_assignment_ids(resource_ids=[acme.project.id]) == []


def test_deleting_a_membership_or_its_user_removes_its_group_links(acme: Acme) -> None:
    app = acme.app
    one, two = _group_with_everything(acme, "One"), _group_with_everything(acme, "Two")
    start = _position(app)
    app.memberships.delete_membership(CONTEXT, acme.alice)
    removed = [e for e in _events_after(app, start) if isinstance(e, GroupMember.Removed)]
    assert len(removed) == 2
    index = LogAccessIndex(app.store)
    assert index.group_member_ids(membership_id=acme.alice) == []
    user = app.store.get_membership(acme.bob).user_id
    app.users.delete_user(CONTEXT, user)
    assert index.group_member_ids(group_id=one.id) == []
    assert index.group_member_ids(group_id=two.id) == []
    assert len(index.group_role_assignment_ids(group_id=one.id)) == 2  # the group's roles stay


def test_deleting_an_organization_removes_its_groups_with_everything_once(acme: Acme) -> None:
    app = acme.app
    groups = [_group_with_everything(acme, "One"), _group_with_everything(acme, "Two")]
    start = _position(app)
    app.organizations.delete_organization(CONTEXT, acme.org)
    types = _public_types(_events_after(app, start))
    assert types.count("group.deleted") == 2
    assert types.count("group_member.removed") == 4
    assert types.count("group_role_assignment.removed") == 4
    index = LogAccessIndex(app.store)
    assert index.group_ids_of_organization(acme.org) == []
    for group in groups:
        assert index.group_member_ids(group_id=group.id) == []
        assert index.group_role_assignment_ids(group_id=group.id) == []


def test_a_resource_with_group_roles_needs_cascade_to_be_deleted(acme: Acme) -> None:
    app = acme.app
    group = app.groups.create_group(CONTEXT, organization_id=acme.org, name="G").value
    assignment = app.groups.assign_group_role(
        CONTEXT, group.id, RoleOn("project-viewer", acme.project)
    )
    start = _position(app)
    with pytest.raises(Conflict) as blocked:
        app.resources.delete_resource(CONTEXT, acme.project, cascade=False)
    assert blocked.value.code == "resource_has_dependents"
    assert _position(app) == start
    app.resources.delete_resource(CONTEXT, acme.workspace, cascade=True)
    events = _events_after(app, start)
    removed = [e for e in events if isinstance(e, GroupRoleAssignment.Removed)]
    assert [e.originator_id for e in removed] == [assignment.value.id]
    assert not any(isinstance(e, RoleAssignment.Removed) for e in events)
    assert LogAccessIndex(app.store).group_role_assignment_ids(group_id=group.id) == []


# ------------------------------------------------------------------ events --


def test_every_group_event_type_is_published_and_round_trips(acme: Acme) -> None:
    app, start = acme.app, _position(acme.app)
    group = _group_with_everything(acme)
    app.groups.update_group(
        CONTEXT, acme.org, group.id, name="Renamed", description="d", describe=True
    )
    app.groups.remove_group_member(CONTEXT, acme.org, group.id, acme.alice)
    app.groups.delete_group(CONTEXT, acme.org, group.id)
    events = [e for e in _events_after(app, start) if is_public(e)]
    assert {event_type(type(e)) for e in events} == GROUP_TYPES
    assert set(EVENT_CLASSES) >= GROUP_TYPES
    assert "group_member.created" not in EVENT_CLASSES  # links are created by being added
    for e in events:
        state = event_to_dict(e)
        assert event_from_state(type(e), dict(state)) == e
