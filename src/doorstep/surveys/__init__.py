"""Invitations, responses, quiet periods and the public survey flow."""
