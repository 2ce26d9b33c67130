"""Deterministic demo data: two realistic workspaces as rows in the CSV import formats."""
