"""Item pipelines: normalize -> dedupe -> match -> store (+ outbox)."""
