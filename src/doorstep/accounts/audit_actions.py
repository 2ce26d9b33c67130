"""What the audit log records (doorstep.accounts.audit), in a module of its own that imports
nothing: the CLI lists the actions in `doorstep audit --help` without loading the database layer."""

from __future__ import annotations

ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "password_reset_requested",
    "password_reset",
    "password_changed",  # by the person themselves, on /account (doorstep.accounts.profile)
    "user_created",
    "role_changed",
    "user_updated",  # an admin corrected a person's name or e-mail (the fields named, never the values)
    "invitation_resent",  # a new invitation link for someone who had not chosen a password yet
    "user_deactivated",
    "user_reactivated",
    "key_created",
    "key_revoked",
    "key_used",
    "export",
    "customer_exported",
    "customer_erased",
    "deleted",
    "settings_changed",
    "backup",
    "restore",
    "email_resumed",  # e-mail paused after a refused login, lifted by a person (doorstep.channels.email_pause)
)
