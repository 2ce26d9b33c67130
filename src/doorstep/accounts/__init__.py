"""Workspaces (tenants), people, roles and API keys."""
