"""The relay against real PostgreSQL and Kafka: CloudEvents messages, keys and order,
watermarks, recording its position only after the broker acknowledged, and resuming."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from consumers.messages import AGGREGATE_ID, AGGREGATE_VERSION, ENVIRONMENT_KEY, POSITION, event_id
from consumers.relay import Relay, new_producer, partition_for
from domain.catalog import EVENT_CLASSES
from domain.serialization import event_schema, event_to_dict
from idgov.bootstrap import System
from tests.integration.support import (
    CONTEXT,
    SOURCE,
    body_of,
    by_partition,
    consume_all,
    headers_of,
    is_watermark,
    new_relay,
    open_system,
    position_of,
    public_positions,
    relay_everything,
    wait_until,
)

pytestmark = pytest.mark.kafka

CE_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time")


def _commands(system: System, prefix: str = "") -> dict[str, Any]:
    """A little of everything, through the use cases (so claims are recorded too)."""
    app = system.commands
    orgs = [
        app.organizations.create_organization(
            CONTEXT, name=f"{prefix}Org {i}", external_id=f"{prefix}ext-{i}"
        ).value
        for i in range(4)
    ]
    users = [
        app.users.create_user(CONTEXT, email=f"{prefix}user{i}@example.com").value for i in range(3)
    ]
    for round_ in range(3):
        for org in orgs:
            app.organizations.update_organization(
                CONTEXT, org.id, name=f"{org.name} r{round_}", metadata={"r": str(round_)}
            )
    memberships = [
        app.memberships.create_membership(CONTEXT, user_id=user.id, organization_id=org.id).value
        for user in users
        for org in orgs[:2]
    ]
    app.memberships.deactivate_membership(CONTEXT, memberships[0].id)
    app.users.update_user(CONTEXT, users[0].id, email=f"{prefix}renamed@example.com")
    return {"orgs": orgs, "users": users, "memberships": memberships}


def _events(records: list[Any]) -> list[Any]:
    return [r for r in records if not is_watermark(r)]


def test_events_are_published_as_cloudevents_keyed_and_ordered_by_organization(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    topic = new_topic()
    with open_system(new_database()) as system:
        made = _commands(system)
        expected = public_positions(system.commands)
        stored = {
            n.id: system.commands.store.mapper.to_domain_event(n)
            for n in system.commands.store.recorder.select_notifications(start=None, limit=10_000)
        }
        relay = relay_everything(system, kafka_bootstrap, topic, batch_size=7)
        assert relay.position == system.event_store_position()

    records = consume_all(kafka_bootstrap, topic)
    events = _events(records)
    # Every public event exactly once (a clean run publishes nothing twice) ...
    assert sorted(position_of(r) for r in events) == sorted(expected)
    # ... and no internal claim: their positions exist in the store but not on the topic.
    claims = {p for p, e in stored.items() if type(e).__qualname__.startswith("Claim.")}
    assert claims, "the use cases record claims"
    assert not claims & {position_of(r) for r in events}

    for record in events:
        headers = headers_of(record)
        for name in (*CE_HEADERS, POSITION, AGGREGATE_ID, AGGREGATE_VERSION):
            assert name in headers, f"{name} missing from {headers}"
        position = int(headers[POSITION])
        event = stored[position]
        ce_type = headers["ce_type"].decode()
        assert ce_type == expected[position]
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_source"] == SOURCE.encode()
        assert headers["ce_subject"] == headers[AGGREGATE_ID] == event.originator_id.encode()
        assert int(headers[AGGREGATE_VERSION]) == event.originator_version
        assert headers["ce_id"].decode() == event_id(event.originator_id, event.originator_version)
        assert headers["ce_time"].decode().endswith("Z")
        # Key: the organization, or the fixed environment key; the partition follows the key.
        organization_id = event.context.organization_id
        assert record.key == (organization_id or ENVIRONMENT_KEY).encode()
        assert record.partition == partition_for(record.key, [0, 1, 2])
        # The body is the stored event, and it satisfies the published JSON Schema.
        body = body_of(record)
        assert body == event_to_dict(event)
        jsonschema.validate(body, event_schema(EVENT_CLASSES[ce_type]))

    # Per key (organization), messages are in event-store order; per aggregate, in version order.
    by_key: dict[bytes, list[int]] = defaultdict(list)
    versions: dict[bytes, list[int]] = defaultdict(list)
    for record in events:  # partition then offset order
        by_key[record.key].append(position_of(record))
        versions[headers_of(record)[AGGREGATE_ID]].append(
            int(headers_of(record)[AGGREGATE_VERSION])
        )
    for key, positions in by_key.items():
        assert positions == sorted(positions), f"{key!r} out of order: {positions}"
    for aggregate, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{aggregate!r}: versions {seen}"
    # Everything of an organization is under its key: its own events (created, then 3 x
    # (renamed, metadata changed)), its root resource's, and its memberships'.
    aggregates_by_key: dict[bytes, set[bytes]] = defaultdict(set)
    for record in events:
        aggregates_by_key[record.key].add(headers_of(record)[AGGREGATE_ID])
    for org in made["orgs"]:
        assert versions[org.id.encode()] == list(range(1, 1 + 1 + 3 * 2))
        assert org.id.encode() in aggregates_by_key[org.id.encode()]
    for membership in made["memberships"]:
        assert membership.id.encode() in aggregates_by_key[membership.organization_id.encode()]
    assert ENVIRONMENT_KEY.encode() in by_key  # users


def test_watermarks_reach_every_partition(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    topic = new_topic()
    with open_system(new_database()) as system:
        _commands(system)
        relay_everything(system, kafka_bootstrap, topic, batch_size=10)
        first_end = system.event_store_position()
        # A command whose last event is internal (the email claim): only watermarks can say
        # that the log has been published up to it.
        system.commands.users.create_user(CONTEXT, email="last@example.com")
        last = system.commands.store.recorder.select_notifications(
            start=first_end, limit=10, inclusive_of_start=False
        )
        assert (
            type(system.commands.store.mapper.to_domain_event(last[-1])).__qualname__
            == "Claim.Created"
        )
        relay_everything(system, kafka_bootstrap, topic)
        end = system.event_store_position()
    assert end == last[-1].id

    partitions = by_partition(consume_all(kafka_bootstrap, topic))
    assert sorted(partitions) == [0, 1, 2]
    for partition, records in partitions.items():
        # Within a partition, positions never go back, events and watermarks alike.
        positions = [position_of(r) for r in records]
        assert positions == sorted(positions), f"partition {partition}: {positions}"
        watermarks = [r for r in records if is_watermark(r)]
        assert watermarks, f"partition {partition} got no watermark"
        for record in watermarks:
            assert record.value == b""
            assert record.key is None
        # The last message of every partition says: everything up to the end is published.
        assert is_watermark(records[-1])
        assert position_of(records[-1]) == end
    # Every batch end reached every partition, by an event or a watermark.
    batch_end = first_end
    for partition, records in partitions.items():
        assert batch_end in {position_of(r) for r in records}, (
            f"partition {partition} missed {batch_end}"
        )


def test_only_partitions_idle_long_enough_get_watermarks(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    topic = new_topic()
    idle = 3.0
    with open_system(new_database()) as system:
        _commands(system)
        producer = new_producer(kafka_bootstrap)
        relay = new_relay(system, producer, topic, batch_size=10, watermark_after=idle)
        try:
            relay.relay_once()
            first_end = relay.position  # partitions never written to are idle: marked here
            while relay.relay_once():
                pass  # batch after batch, each partition written to moments ago
            end = relay.position
            assert 0 < relay._until_watermark_due() <= idle
            time.sleep(idle)
            relay.relay_once()  # nothing new, but the partitions behind have been idle
        finally:
            producer.close(timeout=10)
        assert end == system.event_store_position()

    partitions = by_partition(consume_all(kafka_bootstrap, topic))
    assert sorted(partitions) == [0, 1, 2]
    for partition, records in partitions.items():
        positions = [position_of(r) for r in records]
        assert positions == sorted(positions), f"partition {partition}: {positions}"
        marked = {position_of(r) for r in records if is_watermark(r)}
        assert marked <= {first_end, end}, f"partition {partition}: watermarks at {marked}"
        assert position_of(records[-1]) == end  # idle partitions still learn the end


def test_position_is_recorded_only_after_the_broker_acknowledged(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    topic = new_topic()
    with open_system(new_database()) as system:
        _commands(system)
        expected = public_positions(system.commands)
        tracking = system.relay_tracking()
        checked: list[int] = []
        record_tracking = tracking.insert_tracking

        def insert_tracking(entry: Any) -> None:
            # At the moment the relay records a position, the broker already holds
            # every public event up to it.
            on_topic = {position_of(r) for r in _events(consume_all(kafka_bootstrap, topic))}
            assert {p for p in expected if p <= entry.notification_id} <= on_topic
            checked.append(entry.notification_id)
            record_tracking(entry)

        tracking.insert_tracking = insert_tracking  # type: ignore[method-assign]

        class FailingRelay(Relay):
            """Sends part of a batch, then fails, as a relay losing the broker would."""

            sends = 0

            def _send(self, message: Any, partition: int) -> Any:
                FailingRelay.sends += 1
                if FailingRelay.sends == 5:
                    raise RuntimeError("broker went away")
                return super()._send(message, partition)

        producer = new_producer(kafka_bootstrap)
        try:
            failing = FailingRelay(
                system.store, tracking, producer, topic=topic, source=SOURCE, batch_size=20
            )
            with pytest.raises(RuntimeError, match="broker went away"):
                failing.relay_once()
            producer.flush()
            assert tracking.max_tracking_id(topic) is None
            assert failing.position == 0
            assert checked == []

            relay = Relay(
                system.store, tracking, producer, topic=topic, source=SOURCE, batch_size=20
            )
            assert relay.position == 0  # resumes from the recorded position, nothing recorded yet
            covered = relay.relay_once()
            first = system.commands.store.recorder.select_notifications(
                start=0, limit=20, inclusive_of_start=False
            )
            assert covered == len(first)
            assert tracking.max_tracking_id(topic) == first[-1].id == relay.position
            while relay.relay_once():
                pass
        finally:
            producer.close(timeout=10)
        assert checked[-1] == system.event_store_position()
        assert len(checked) >= 2

    events = _events(consume_all(kafka_bootstrap, topic))
    published: dict[int, list[Any]] = defaultdict(list)
    for record in events:
        published[position_of(record)].append(record)
    assert set(published) == set(expected)
    # What the failed attempt had sent is there twice; re-publications are identical.
    duplicated = [p for p, copies in published.items() if len(copies) > 1]
    assert 0 < len(duplicated) <= 4
    for position in duplicated:
        copies = published[position]
        assert len({headers_of(c)["ce_id"] for c in copies}) == 1
        assert len({c.value for c in copies}) == 1
        assert len({(c.key, c.partition) for c in copies}) == 1


def test_resume_after_a_clean_stop_publishes_nothing_twice(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    topic = new_topic()

    def run_relay(system: System, commands: Callable[[], None]) -> int:
        """``Relay.run`` in a thread, as ``idgov relay`` runs it; returns where it started."""
        producer = new_producer(kafka_bootstrap)
        relay = Relay(
            system.store,
            system.relay_tracking(),
            producer,
            topic=topic,
            source=SOURCE,
            batch_size=8,
        )
        started = relay.position
        stop = threading.Event()
        thread = threading.Thread(target=relay.run, args=(stop,))
        thread.start()
        try:
            commands()
            # LISTEN/NOTIFY wakes the relay: it follows new commits without being asked.
            end = system.event_store_position()
            wait_until(lambda: relay.position >= end, 30, "the relay to reach the end of the log")
        finally:
            stop.set()
            thread.join(10)
            producer.close(timeout=10)
        assert not thread.is_alive()
        return started

    with open_system(new_database()) as system:
        first_start = run_relay(system, lambda: _commands(system, "a-"))
        first_end = system.event_store_position()
        _commands(system, "b-")  # committed while no relay runs
        second_start = run_relay(system, lambda: _commands(system, "c-"))
        expected = public_positions(system.commands)
    assert first_start == 0
    assert second_start == first_end

    events = _events(consume_all(kafka_bootstrap, topic))
    positions = [position_of(r) for r in events]
    assert len(positions) == len(set(positions)), "a position was published twice"
    assert set(positions) == set(expected)
