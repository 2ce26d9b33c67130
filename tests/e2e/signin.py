"""Signing in through the real login page, for the browser tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.conftest import TEST_PASSWORD, make_person

from doorstep.db import Database


def add_person(database_url: str, workspace: str, role: str, handle: str) -> str:
    """A person who can sign in to ``workspace``; returns their handle (the password is TEST_PASSWORD)."""
    db = Database(database_url)
    try:
        make_person(db, workspace, role, handle=handle)
    finally:
        db.dispose()
    return handle


def sign_in(page: Any, base: str, path: str, *, workspace: str, handle: str) -> None:
    """Open ``path``: the browser is sent to the login page, signs in, and comes back to ``path``."""
    from playwright.sync_api import expect

    page.goto(f"{base}{path}")
    # The overview "/" is where a login goes anyway, so it carries no ?next=.
    expected = f"{base}/login" if path == "/" else f"{base}/login?next=" + quote(path, safe="")
    expect(page).to_have_url(expected)
    page.locator("#login-workspace").fill(workspace)
    page.locator("#login-login").fill(handle)
    page.locator("#login-password").fill(TEST_PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}{path}")
