"""Journeys and their stages, customers, deliveries (hand-overs) and their ingest."""
