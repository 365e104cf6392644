"""Running a job's tasks on a Ray cluster (`--executor ray`): driver (the engine's side) and
worker (a Ray actor with one teacher client); the shared rate limit, budget and cache are
pipeline.backends.ledger's."""
