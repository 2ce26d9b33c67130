"""Typed settings: the only module that reads the environment.

Everything else receives a :class:`Settings` instance (the app factory, the CLI,
the tests), so a test can build its own without touching ``os.environ``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./doorstep.db"


class Settings(BaseSettings):
    """Process-wide settings. Per-business rules live in the workspace's own settings."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address used in survey links.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    batch_size: int = Field(default=2000, ge=1, le=100_000, description="Rows per bulk write.")
    scheduler_interval_seconds: float = Field(
        default=60,
        ge=0,
        description="How often `doorstep serve` runs the case scheduler pass (escalations, re-survey expiry); 0: off.",
    )

    # --- e-mail (invitations, reminders, briefs); no host: e-mail is off ------------
    smtp_host: str | None = Field(default=None, description="SMTP server; unset: no e-mail is sent.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="none", description="none (loopback relay), starttls (usually port 587) or ssl (port 465)."
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default="Doorstep <doorstep@localhost>", description="From: address of every e-mail.")
    smtp_timeout_seconds: float = Field(default=20, gt=0)
    # --- the worker and outbound calls ----------------------------------------------
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="How often an idle worker looks for jobs.")
    worker_batch_size: int = Field(default=10, ge=1, le=1000, description="Jobs a worker claims at once.")
    worker_lease_seconds: float = Field(
        default=300, gt=0, description="A claimed job returns to the queue if its worker has not finished it by then."
    )
    webhook_timeout_seconds: float = Field(default=10, gt=0, description="An outbound call that takes longer fails.")

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        # People paste the URL their hosting provider prints; SQLAlchemy needs the driver.
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")
