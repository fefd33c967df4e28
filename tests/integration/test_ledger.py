"""Tamper evidence against real PostgreSQL: the chain the trigger keeps, signed checkpoints,
and ``idgov audit verify`` naming where stored history was edited, removed, reordered or cut
off (each done here with SQL, as someone with access to the database would)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import sql

from consumers.checkpoints import CheckpointWriter
from idgov.bootstrap import System, checkpoint_signing_key
from projections.ledger import checkpoints
from projections.ledger.verify import Verdict, verify
from tests.integration.support import (
    bulk_events,
    consume_all,
    open_system,
    wait_until,
)
from tests.servers import IDGOV

EVENTS = 60


@pytest.fixture(autouse=True)
def key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDGOV_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def system(new_database: Callable[[], str]) -> Iterator[System]:
    with open_system(new_database()) as system:
        bulk_events(system.commands, EVENTS, chunk=5)
        yield system


def signing_key(system: System) -> Ed25519PrivateKey:
    return checkpoint_signing_key(system.settings)


def check(system: System, *held: checkpoints.Checkpoint) -> Verdict:
    with system.database.connect() as conn:
        stored = [*checkpoints.stored(conn)]
        return verify(conn, system.events_table, [*stored, *held], signing_key(system).public_key())


def tamper(system: System, statement: str, *params: Any) -> None:
    """As the tables' owner may: with their triggers off for this session."""
    with system.database.connect() as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(sql.SQL(statement).format(events=system.events_table), params)


def positions(system: System) -> list[int]:
    with system.database.connect() as conn:
        query = sql.SQL("SELECT notification_id FROM {} ORDER BY 1").format(system.events_table)
        return [row[0] for row in conn.execute(query)]


def sign_head(system: System) -> checkpoints.Checkpoint:
    with system.database.connect() as conn:
        return system.checkpoint_writer().write(conn)


def test_untouched_history_verifies_with_its_checkpoints(system: System) -> None:
    first = sign_head(system)
    bulk_events(system.commands, 14, chunk=1)
    second = sign_head(system)
    verdict = check(system)
    stored = positions(system)
    assert verdict.finding is None
    assert (verdict.events, verdict.position) == (len(stored), stored[-1])
    assert verdict.checkpoints == 2
    assert (first.position, second.position) == (stored[len(stored) - 15], stored[-1])


@pytest.mark.parametrize(
    ("every_events", "every_s", "events"), [(10, 3600.0, 14), (10_000, 0.2, 7)]
)
def test_the_writer_signs_every_so_many_events_or_seconds(
    system: System, every_events: int, every_s: float, events: int
) -> None:
    writer = CheckpointWriter(system.database.connect, signing_key(system), every_events, every_s)
    stop = threading.Event()
    running = threading.Thread(target=writer.run, args=(stop,))
    running.start()
    try:
        bulk_events(system.commands, events, chunk=1)
        head = positions(system)[-1]
        wait_until(lambda: check(system).checkpoints == 1, 10, "a checkpoint")
    finally:
        stop.set()
        running.join()
    verdict = check(system)
    assert verdict.finding is None
    assert verdict.position == head


def test_stored_history_is_append_only(system: System) -> None:
    with system.database.connect() as conn:
        for statement in (
            "UPDATE {events} SET state = ''",
            "DELETE FROM {events}",
            "TRUNCATE {events}",
            "DELETE FROM ledger.chain",
            "UPDATE ledger.checkpoints SET head = ''",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="is append-only"):
                conn.execute(sql.SQL(statement).format(events=system.events_table))
    verdict = check(system)
    assert verdict.finding is None
    assert verdict.events == len(positions(system))


def test_an_edited_event_is_named(system: System) -> None:
    sign_head(system)
    edited = positions(system)[20]
    tamper(
        system, "UPDATE {events} SET state = state || ' '::bytea WHERE notification_id = %s", edited
    )
    finding = check(system).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("edited", edited)


def test_a_deleted_event_is_named(system: System) -> None:
    deleted = positions(system)[7]
    tamper(system, "DELETE FROM {events} WHERE notification_id = %s", deleted)
    finding = check(system).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("removed", deleted)


def test_an_event_deleted_with_its_link_is_named(system: System) -> None:
    deleted = positions(system)[7]
    tamper(system, "DELETE FROM {events} WHERE notification_id = %s", deleted)
    tamper(system, "DELETE FROM ledger.chain WHERE position = %s", deleted)
    finding = check(system).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("removed", deleted)


def test_two_swapped_events_are_named(system: System) -> None:
    first, second = positions(system)[10], positions(system)[30]
    for old, new in ((first, -1), (second, first), (-1, second)):
        tamper(
            system, "UPDATE {events} SET notification_id = %s WHERE notification_id = %s", new, old
        )
    finding = check(system).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("reordered", first)
    assert f"stored at position {second}" in finding.message


def test_a_truncated_tail_is_named_by_the_latest_checkpoint(system: System) -> None:
    checkpoint = sign_head(system)
    kept = positions(system)[-6]
    tamper(system, "DELETE FROM {events} WHERE notification_id > %s", kept)
    tamper(system, "DELETE FROM ledger.chain WHERE position > %s", kept)
    tamper(system, "DELETE FROM ledger.checkpoints")
    assert check(system).finding is None  # without a checkpoint, a shorter history looks whole
    finding = check(system, checkpoint).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("truncated", kept + 1)
    assert str(checkpoint.position) in finding.message


def test_a_tail_deleted_without_its_links_is_named(system: System) -> None:
    first_deleted = positions(system)[-5]
    tamper(system, "DELETE FROM {events} WHERE notification_id >= %s", first_deleted)
    finding = check(system).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("removed", first_deleted)


def test_a_chain_rewritten_with_its_events_is_caught_by_the_checkpoint(system: System) -> None:
    checkpoint = sign_head(system)
    edited = positions(system)[40]
    tamper(
        system, "UPDATE {events} SET state = state || ' '::bytea WHERE notification_id = %s", edited
    )
    # Rechain from the edit on, as the trigger would have: every link now agrees.
    tamper(system, "DELETE FROM ledger.chain WHERE position >= %s", edited)
    tamper(
        system,
        "DO $$ DECLARE e {events}; BEGIN FOR e IN SELECT * FROM {events}"
        " WHERE notification_id >= " + str(edited) + " ORDER BY notification_id"
        " LOOP PERFORM ledger.append(e); END LOOP; END $$",
    )
    finding = check(system).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("rewritten", checkpoint.position)


def test_a_forged_checkpoint_fails(system: System) -> None:
    head = sign_head(system)
    forged = checkpoints.sign(
        Ed25519PrivateKey.generate(),
        checkpoints.Head(position=head.position, head=bytes(32)),
        head.signed_at,
    )
    finding = check(system, forged).finding
    assert finding is not None
    assert (finding.kind, finding.position) == ("forged", head.position)
    tamper(system, "UPDATE ledger.checkpoints SET head = %s", bytes(32))
    finding = check(system).finding
    assert finding is not None
    assert finding.kind == "forged"


def test_an_event_stored_past_the_chain_is_named(system: System) -> None:
    tamper(system, "ALTER TABLE {events} DISABLE TRIGGER ledger_chain")
    bulk_events(system.commands, 7, chunk=1)
    tamper(system, "ALTER TABLE {events} ENABLE TRIGGER ledger_chain")
    finding = check(system).finding
    assert finding is not None
    assert finding.kind == "unchained"
    assert finding.position == positions(system)[-7]


def test_events_stored_before_the_chain_existed_are_chained_on_start(
    new_database: Callable[[], str],
) -> None:
    url = new_database()
    with open_system(url) as system:
        bulk_events(system.commands, 30, chunk=3)
        tamper(system, "DROP SCHEMA ledger CASCADE")
    with open_system(url) as system:
        verdict = check(system)
        assert verdict.finding is None
        assert verdict.events == len(positions(system))


def idgov(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    system.settings.export(env)
    return subprocess.run([IDGOV, *args], env=env, capture_output=True, text=True, timeout=60)


def test_idgov_audit_verify_checks_against_exported_checkpoints(
    system: System, tmp_path: Path
) -> None:
    sign_head(system)
    exported, public_key = tmp_path / "checkpoints.jsonl", tmp_path / "public.pem"
    exported.write_text(idgov(system, "audit", "checkpoints").stdout)
    public_key.write_text(idgov(system, "audit", "public-key").stdout)
    verify_args = ("audit", "verify", "--from-checkpoints", str(exported))
    verify_args += ("--public-key", str(public_key))

    passed = idgov(system, *verify_args)
    assert passed.returncode == 0, passed.stderr
    assert json.loads(passed.stdout)["ok"] is True

    kept = positions(system)[-3]
    tamper(system, "DELETE FROM {events} WHERE notification_id > %s", kept)
    tamper(system, "DELETE FROM ledger.chain WHERE position > %s", kept)
    tamper(system, "DELETE FROM ledger.checkpoints")
    failed = idgov(system, *verify_args)
    assert failed.returncode == 1
    assert f"FAILED at position {kept + 1}: truncated" in failed.stderr
    finding = json.loads(failed.stdout)["finding"]
    assert (finding["kind"], finding["position"]) == ("truncated", kept + 1)


@pytest.mark.kafka
def test_checkpoints_are_published_on_their_topic(
    system: System, kafka_bootstrap: str, new_topic: Callable[[], str]
) -> None:
    from consumers.checkpoints import kafka_publisher
    from consumers.relay import new_producer

    topic = new_topic()
    producer = new_producer(kafka_bootstrap)
    try:
        written = system.checkpoint_writer(kafka_publisher(producer, topic))
        with system.database.connect() as conn:
            checkpoint = written.write(conn)
    finally:
        producer.close(timeout=10)
    (record,) = consume_all(kafka_bootstrap, topic)
    published = checkpoints.Checkpoint.model_validate_json(record.value)
    assert published == checkpoint
    assert published.is_signed_by(signing_key(system).public_key())
