"""The durable outbox: jobs that must happen once in effect, whatever crashes in between."""
