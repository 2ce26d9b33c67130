"""Typed settings: the only module that reads the environment.

Everything else receives a :class:`Settings` instance (the app factory, the CLI,
the tests), so a test can build its own without touching ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./doorstep.db"
RATE_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


def parse_rate(text: str) -> tuple[int, float] | None:
    """``"30/minute"`` → (30, 60.0); ``"0"`` (or ``"0/minute"``) → None, no limit."""
    value = text.strip().lower()
    count, _, period = value.partition("/")
    if not count.isdigit() or (period and period not in RATE_PERIODS):
        raise ValueError(f"a rate is N/second, N/minute or N/hour (0: no limit), not {text!r}")
    if int(count) == 0:
        return None
    if not period:
        raise ValueError(f"say per what: {count}/minute, not {text!r}")
    return int(count), RATE_PERIODS[period]


def proxy_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"10.0.0.1, 172.16.0.0/12"`` → the networks whose X-Forwarded-For header is believed."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


# The locale variables, strongest first, as POSIX reads them for LC_MESSAGES.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The CLI's language from the POSIX locale: "zh-CN" for a locale starting with ``zh``
    (zh_CN.UTF-8, zh_TW, zh_HK.Big5: Simplified is our only Chinese), else "en" (C, POSIX,
    en_US, de_DE, unset). The first variable that is set and not empty decides, as for gettext.
    Cheap on purpose: the CLI asks only when neither --lang nor DOORSTEP_LANG chose."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


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
    alert_interval_seconds: float = Field(
        default=900, ge=0, description="How often the worker looks for NPS drops and theme surges (alerts); 0: off."
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
    smtp_ca_file: str | None = Field(
        default=None,
        description="PEM file of CA certificates to trust for the SMTP server's TLS certificate (an internal relay "
                    "with a company CA), in addition to the system's trust store.",
    )
    # --- the worker and outbound calls ----------------------------------------------
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="How often an idle worker looks for jobs.")
    worker_batch_size: int = Field(default=10, ge=1, le=1000, description="Jobs a worker claims at once.")
    worker_lease_seconds: float = Field(
        default=300, gt=0, description="A claimed job returns to the queue if its worker has not finished it by then."
    )
    webhook_timeout_seconds: float = Field(default=10, gt=0, description="An outbound call that takes longer fails.")
    # --- people signing in ------------------------------------------------------------
    session_idle_minutes: float = Field(
        default=12 * 60, gt=0, description="A signed-in browser left alone this long must sign in again."
    )
    session_max_hours: float = Field(
        default=7 * 24, gt=0, description="Every sign-in ends after this long, however busy."
    )
    # --- rate limits of the public surfaces (per process; "N/second|minute|hour", "0": off)
    rate_limit_per_token: str = Field(
        default="30/minute", description="Requests to one survey link (/s/TOKEN…): one customer's link."
    )
    rate_limit_per_open_link: str = Field(
        default="600/minute", description="Requests to one open link (/o/TOKEN…): shared by everyone who scans it."
    )
    rate_limit_per_address: str = Field(
        default="120/minute", description="Requests from one client address to /s/… and to /o/… (each)."
    )
    rate_limit_inbound: str = Field(
        default="600/minute", description="Signed inbound webhook calls per workspace and client address."
    )
    rate_limit_max_keys: int = Field(
        default=50_000, ge=100, description="Tokens and addresses remembered per surface (least recent forgotten)."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed.",
    )
    # --- the command line -------------------------------------------------------------
    lang: Literal["en", "zh-CN"] | None = Field(
        default=None,
        description="Language of the CLI's tables and messages, en or zh-CN (--lang wins); "
        "unset: the locale (LC_ALL, LC_MESSAGES, LANG). --json output is the same in both.",
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        # People paste the URL their hosting provider prints; SQLAlchemy needs the driver.
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("rate_limit_per_token", "rate_limit_per_open_link", "rate_limit_per_address", "rate_limit_inbound")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        parse_rate(value)  # refuse a typo at start-up, not at the first request
        return value.strip()

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        proxy_networks(value)
        return value

    @field_validator("lang", mode="before")
    @classmethod
    def _language_tag(cls, value: object) -> object:
        # People write zh, zh_CN or zh-cn as their shell's locale spells it: one language.
        if isinstance(value, str):
            tag = value.strip().replace("_", "-").lower()
            if tag == "":
                return None
            return {"en": "en", "zh": "zh-CN", "zh-cn": "zh-CN"}.get(tag, value)
        return value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")
