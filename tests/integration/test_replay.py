"""``idgov replay directory`` while the pipeline is live: a relay and a projection worker keep
running, commands keep coming, and the rebuilt model is swapped in under them."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from consumers.relay import Relay, new_producer
from consumers.worker import ProjectionWorker
from tests.integration.support import (
    CONTEXT,
    SOURCE,
    assert_same_model,
    bulk_events,
    dead_letters,
    end_offsets,
    open_system,
    rebuild_directory,
    stored_offsets,
    view_watermark,
    wait_until,
)
from tests.servers import IDGOV, idgov_env

pytestmark = pytest.mark.kafka


def test_replay_under_live_traffic_equals_a_rebuild_and_loses_nothing(
    new_database: Callable[[], str], new_topic: Callable[[], str], kafka_bootstrap: str
) -> None:
    database_url, topic = new_database(), new_topic()
    with open_system(database_url, kafka_bootstrap, topic) as system:
        app = system.commands
        bulk_events(app, 3000)
        stop = threading.Event()
        producer = new_producer(kafka_bootstrap)
        relay = Relay(
            app.store, system.relay_tracking(), producer, topic=topic, source=SOURCE, batch_size=200
        )
        # A worker for every read model, as in production: cascading commands ask them all.
        workers = [
            ProjectionWorker(
                view,
                bootstrap=kafka_bootstrap,
                topic=topic,
                group_id=f"idgov.test.replay.{name}",
                batch_size=300,
            )
            for name, view in system.views.items()
        ]
        pipeline = [threading.Thread(target=relay.run, args=(stop,))]
        pipeline += [threading.Thread(target=worker.run, args=(stop,)) for worker in workers]
        for thread in pipeline:
            thread.start()

        names: dict[str, str] = {}  # organization -> its latest name, as the commands left it
        deleted: set[str] = set()
        created_at: list[float] = []
        errors: list[BaseException] = []
        stop_commands = threading.Event()
        stop_sampling = threading.Event()

        def commands() -> None:
            try:
                n = 0
                while not stop_commands.is_set():
                    org = app.organizations.create_organization(
                        CONTEXT, name=f"live {n}", external_id=f"live-{n}"
                    ).value.id
                    names[org] = f"live {n}"
                    created_at.append(time.monotonic())
                    user = app.users.create_user(CONTEXT, email=f"live{n}@example.com").value.id
                    app.memberships.create_membership(CONTEXT, user_id=user, organization_id=org)
                    if n % 3 == 0:
                        app.organizations.update_organization(
                            CONTEXT, org, name=f"live {n} renamed"
                        )
                        names[org] = f"live {n} renamed"
                    if n % 7 == 6:
                        victim = next(iter(o for o in names if o not in deleted))
                        app.organizations.delete_organization(CONTEXT, victim)
                        deleted.add(victim)
                    n += 1
            except Exception as error:  # surfaced by the main thread
                errors.append(error)

        watermarks: list[tuple[float, int]] = []

        def sample() -> None:
            while not stop_sampling.is_set():
                watermarks.append(
                    (time.monotonic(), view_watermark(database_url, "directory", topic))
                )
                time.sleep(0.05)

        try:
            wait_until(
                lambda: (
                    view_watermark(database_url, "directory", topic)
                    == system.event_store_position()
                ),
                90,
                "the live model to catch up",
            )
            writers = [threading.Thread(target=commands), threading.Thread(target=sample)]
            for thread in writers:
                thread.start()
            wait_until(lambda: len(names) >= 10 or errors, 30, "commands to flow")
            assert not errors, errors

            env = idgov_env(
                database_url,
                kafka_bootstrap=kafka_bootstrap,
                kafka_topic=topic,
                kafka_partitions="3",
            )
            started = time.monotonic()
            result = subprocess.run(
                [IDGOV, "replay", "directory"],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            swapped = time.monotonic()
            assert result.returncode == 0, result.stderr[-3000:]
            assert "rebuilt and swapped in at position" in result.stdout
            swap_position = int(result.stdout.strip().rsplit(" ", 1)[1])
            assert swap_position > 3000

            # Traffic goes on after the swap, and the swapped-in model follows it.
            count = len(names)
            wait_until(lambda: len(names) >= count + 10, 30, "commands after the swap")
            stop_commands.set()
            writers[0].join(60)
            assert not errors, errors
            end = system.event_store_position()
            assert end > swap_position
            wait_until(
                lambda: view_watermark(database_url, "directory", topic) == end,
                90,
                "the swapped-in model to catch up",
            )
            time.sleep(0.1)
        finally:
            stop_commands.set()
            stop_sampling.set()
            stop.set()
            for thread in pipeline:
                thread.join(30)
            producer.close(timeout=10)
        assert not any(thread.is_alive() for thread in pipeline)

        # The watermark never went back, and it moved on after the swap.
        values = [w for _, w in watermarks]
        assert values == sorted(values), "the watermark went backwards"
        assert [w for t, w in watermarks if t < started][-1] < swap_position
        assert [w for t, w in watermarks if t > swapped][-1] == end
        assert swapped - started < 120
        assert any(started < t < swapped for t in created_at), "no command ran during the replay"

        # Equal to a model rebuilt from scratch: nothing lost, nothing applied twice.
        assert dead_letters(database_url, "directory") == []
        rebuild_directory(system, "directory_expected").datastore.close()
        model = assert_same_model(database_url, "directory", "directory_expected")
        live = {row["id"]: row["name"] for row in model["organizations"] if row["id"] in names}
        assert live == {org: name for org, name in names.items() if org not in deleted}
        assert deleted
        assert not {row["organization_id"] for row in model["memberships"]} & deleted
        assert stored_offsets(database_url, "directory", topic) == end_offsets(
            kafka_bootstrap, topic
        )
        with psycopg.connect(database_url) as conn:
            schemas = {
                row[0] for row in conn.execute("SELECT nspname FROM pg_namespace").fetchall()
            }
        assert not {"directory_rebuild", "directory_retired"} & schemas
