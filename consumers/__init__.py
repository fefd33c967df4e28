"""Processes that move events: the relay (event store -> Kafka), projection workers
(Kafka -> read models), and the embedded follower (event store -> read models)."""
