"""Rate limits of /s/…, /o/… and the inbound webhook: 429 with Retry-After, per token and
per address, recovering as time passes (on the app's FakeClock), bounded in memory."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from doorstep.accounts.services import get_workspace
from doorstep.api.app import create_app
from doorstep.config import Settings, parse_rate
from doorstep.surveys.open_links import create_link
from doorstep.web.ratelimit import RateLimiter


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the limiter itself ------------------------------------------------------------


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait_and_refills():
    clock = Seconds()
    limiter = RateLimiter("3/minute", clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.hit("a") == pytest.approx(20.0)  # one request every 20 s once the burst is spent
    assert limiter.hit("b") == 0.0  # another key has its own bucket
    clock.now += 20
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") > 0


def test_zero_turns_a_limit_off_and_typos_are_refused():
    limiter = RateLimiter("0", clock=Seconds())
    assert all(limiter.hit("a") == 0.0 for _ in range(1000))
    assert len(limiter) == 0
    assert parse_rate("30/minute") == (30, 60.0)
    assert parse_rate("5/second") == (5, 1.0)
    for bad in ("30/min", "thirty/minute", "30", "-1/minute"):
        with pytest.raises(ValueError):
            parse_rate(bad)
    with pytest.raises(ValueError):
        Settings(rate_limit_per_token="30/fortnight")


def test_memory_is_bounded_and_idle_buckets_are_forgotten():
    clock = Seconds()
    limiter = RateLimiter("10/minute", clock=clock, max_keys=100)
    for i in range(10_000):  # a flood of random tokens
        limiter.hit(f"token-{i}")
    assert len(limiter) == 100
    clock.now += 60  # every bucket is full again: nothing worth remembering
    limiter.hit("new")
    assert len(limiter) == 1


def test_many_threads_at_once_get_exactly_the_allowance():
    limiter = RateLimiter("500/hour", clock=Seconds())
    allowed: list[int] = []

    def work() -> None:
        allowed.append(sum(1 for _ in range(200) if limiter.hit("hot") == 0.0))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 500


# --- through the app ---------------------------------------------------------------


@pytest.fixture
def limited_client(database, clock, database_url) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url, base_url="http://testserver", rate_limit_per_token="3/minute",
        rate_limit_per_open_link="4/minute", rate_limit_per_address="6/minute", rate_limit_inbound="2/minute",
        trusted_proxies="10.0.0.0/8",
    )
    with TestClient(create_app(settings, db=database, clock=clock)) as c:
        yield c


def invite(client: TestClient, workspace, clock, ext: str) -> str:
    body = {"external_id": ext, "customer_id": f"c-{ext}",
            "delivered_at": (clock.now - dt.timedelta(minutes=15)).isoformat()}
    response = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["invitations"][0]["token"])


def test_a_survey_token_is_limited_with_a_page_in_both_languages_and_recovers(limited_client, workspace, clock):
    token = invite(limited_client, workspace, clock, "F-1")
    assert [limited_client.get(f"/s/{token}").status_code for _ in range(3)] == [200, 200, 200]

    refused = limited_client.get(f"/s/{token}", headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    assert refused.headers["cache-control"] == "no-store"
    assert "请求过于频繁" in refused.text and "Too many requests" in refused.text
    assert "20" in refused.text
    # A POST counts on the same token: an answer cannot be hammered in either.
    assert limited_client.post(f"/s/{token}", data={"score": "9"}).status_code == 429

    other = invite(limited_client, workspace, clock, "F-2")
    assert limited_client.get(f"/s/{other}").status_code == 200  # another customer's link is not held up

    clock.advance(seconds=20)
    assert limited_client.get(f"/s/{token}").status_code == 200


def test_one_address_is_limited_across_tokens_and_a_trusted_proxy_forwards_the_client(
    limited_client, workspace, clock
):
    tokens = [invite(limited_client, workspace, clock, f"F-{i}") for i in range(7)]
    # Six tokens, one request each, from one address: all allowed; the seventh token is new
    # and has its whole allowance, but the address has none left.
    assert [limited_client.get(f"/s/{t}").status_code for t in tokens[:6]] == [200] * 6
    refused = limited_client.get(f"/s/{tokens[6]}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 10

    # The test client's peer is "testclient", not a trusted proxy: its X-Forwarded-For is ignored.
    assert limited_client.get(f"/s/{tokens[6]}", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429

    clock.advance(seconds=10)
    assert limited_client.get(f"/s/{tokens[6]}").status_code == 200


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(database, clock, database_url, workspace):
    settings = Settings(database_url=database_url, base_url="http://testserver", rate_limit_per_address="2/minute",
                        trusted_proxies="10.0.0.0/8")
    app = create_app(settings, db=database, clock=clock)
    with TestClient(app, client=("10.1.2.3", 50000)) as behind_proxy:
        token = invite(behind_proxy, workspace, clock, "F-1")
        for client_ip in ("203.0.113.1", "203.0.113.2"):
            for _ in range(2):
                ok = behind_proxy.get(f"/s/{token}", headers={"X-Forwarded-For": f"{client_ip}, 10.9.9.9"})
                assert ok.status_code in (200, 429)
        # Two clients, two requests each: both inside their own allowance, though one peer sent all four.
        limits = app.state.rate_limits
        assert set(limits.survey_address._buckets) == {"203.0.113.1", "203.0.113.2"}
        # A spoofed left part does not help: the right-most untrusted address is the client.
        refused = behind_proxy.get(f"/s/{token}", headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.1"})
        assert refused.status_code == 429


def test_an_open_link_is_limited_per_link(limited_client, workspace, database, clock):
    invite(limited_client, workspace, clock, "F-1")
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        token = create_link(session=session, workspace=ws, label="receipts", now=clock()).token
    statuses = [limited_client.get(f"/o/{token}").status_code for _ in range(4)]
    assert statuses == [200] * 4
    for path in (f"/o/{token}", f"/o/{token}/card", f"/o/{token}/qr.svg"):
        refused = limited_client.get(path)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "15"
    clock.advance(seconds=15)
    assert limited_client.get(f"/o/{token}").status_code == 200


def test_the_inbound_webhook_answers_json_with_retry_after(limited_client, workspace):
    headers = {"X-Doorstep-Workspace": "default", "Content-Type": "application/json"}
    first = [limited_client.post("/api/v1/webhooks/deliveries", content=b"{}", headers=headers).status_code
             for _ in range(2)]
    assert first == [401, 401]  # unsigned, but counted: a signature guesser is limited too
    refused = limited_client.post("/api/v1/webhooks/deliveries", content=b"{}", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert refused.json()["error"]["type"] == "RateLimited"
    assert refused.json()["error"]["retry_after"] == 30
    # Another workspace named from the same address has its own allowance.
    other = limited_client.post("/api/v1/webhooks/deliveries", content=b"{}",
                                headers={**headers, "X-Doorstep-Workspace": "food"})
    assert other.status_code == 401


def test_the_limit_check_touches_no_database(limited_client, workspace, clock, database):
    """A refused request is answered from memory: no query at all (the hot path stays cheap)."""
    from sqlalchemy import event

    token = invite(limited_client, workspace, clock, "F-1")
    for _ in range(3):
        limited_client.get(f"/s/{token}")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        assert limited_client.get(f"/s/{token}").status_code == 429
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert statements == []
