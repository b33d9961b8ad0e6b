"""Read responses are cached until the next commit: after a new (or replaced) model-day, a price import or a job
change, the very next request answers fresh data, whichever connection or process wrote it."""

from __future__ import annotations

from ai_trader.service.freshness import ResponseCache
from ai_trader.store import Store
from ai_trader.store.changes import ChangeWatch

from .seed import commit_day

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03"]


def test_results_and_performance_follow_each_new_model_day(client, priced_store, prices):
    commit_day(priced_store, prices, "alpha", DAYS[0], [("buy", "AAPL", 10)])
    board = client.get("/performance").json()
    one_day = client.get(f"/results?start_date={DAYS[0]}&end_date={DAYS[2]}").json()
    assert client.get("/performance").json() == board  # served again (from the cache): unchanged
    assert [d["date"] for d in one_day["results"][0]["days"]] == DAYS[:1]

    commit_day(priced_store, prices, "alpha", DAYS[1], [("buy", "MSFT", 3)])
    after = client.get("/performance").json()
    assert after["leaderboard"][0]["days"] == 2 and after["end_date"] == DAYS[1]
    two_days = client.get(f"/results?start_date={DAYS[0]}&end_date={DAYS[2]}").json()
    assert [d["date"] for d in two_days["results"][0]["days"]] == DAYS[:2]
    assert client.get(f"/results?date={DAYS[1]}").json()["results"][0]["positions"]["MSFT"] == 3


def test_a_replaced_latest_model_day_is_seen(client, priced_store, prices):
    """Re-running the newest model-day deletes and re-inserts it (same row id, same row count): still fresh."""
    commit_day(priced_store, prices, "alpha", DAYS[0], [("buy", "AAPL", 10)])
    first = client.get(f"/results?date={DAYS[0]}").json()["results"][0]["positions"]
    commit_day(priced_store, prices, "alpha", DAYS[0], [("buy", "NVDA", 7)])
    again = client.get(f"/results?date={DAYS[0]}").json()["results"][0]["positions"]
    assert first.get("AAPL") == 10 and "NVDA" not in first
    assert again.get("NVDA") == 7 and "AAPL" not in again


def test_a_commit_from_another_connection_empties_the_cache(priced_store):
    cache = ResponseCache(ChangeWatch(priced_store))
    calls = []

    def compute() -> bytes:
        calls.append(1)
        return str(len(calls)).encode()

    assert cache.get("k", compute) == b"1"
    assert cache.get("k", compute) == b"1" and cache.peek("k") == b"1"  # nothing committed: no recompute
    other = Store(priced_store.path)  # another connection, as another process would have
    try:
        with other.write() as conn:
            conn.execute("UPDATE symbols SET name = 'changed' WHERE symbol = 'AAPL'")
    finally:
        other.close()
    assert cache.peek("k") is None
    assert cache.get("k", compute) == b"2"
    with priced_store.write() as conn:  # this thread's own connection
        conn.execute("UPDATE symbols SET name = 'again' WHERE symbol = 'AAPL'")
    assert cache.get("k", compute) == b"3"


def test_the_cache_is_bounded_and_errors_are_not_kept(priced_store):
    cache = ResponseCache(ChangeWatch(priced_store), max_entries=2, max_bytes=10)
    for key in ("a", "b", "c"):
        cache.get(key, lambda k=key: k.encode())
    assert cache.peek("a") is None and cache.peek("c") == b"c"  # least recently used out
    cache.get("big", lambda: b"x" * 11)
    assert cache.peek("big") is None  # larger than the whole budget: answered, not kept

    def fail() -> bytes:
        raise ValueError("boom")

    for _ in range(2):
        try:
            cache.get("bad", fail)
        except ValueError:
            pass
        else:
            raise AssertionError("the error must propagate")
    assert cache.peek("bad") is None


def test_job_status_follows_the_job(client, api_settings, priced_store):
    queued = client.post(
        "/simulate/trigger", json={"models": ["idle"], "start_date": "2025-10-27", "end_date": "2025-10-28"}
    ).json()
    job_id = queued["job_id"]
    before = client.get(f"/simulate/status/{job_id}").json()
    assert before["status"] == "pending" and before["progress"]["pending"] == 2
    assert client.get("/simulate/current").json()["job_id"] == job_id
    cancelled = client.post(f"/simulate/cancel/{job_id}").json()
    assert cancelled["status"] == "cancelled"
    assert client.get(f"/simulate/status/{job_id}").json()["status"] == "cancelled"
    assert client.get("/simulate/current").json()["status"] == "cancelled"


def _commit_elsewhere(path) -> None:
    other = Store(path)
    try:
        with other.write() as conn:
            conn.execute("UPDATE symbols SET name = COALESCE(name, '') || '.' WHERE symbol = 'AAPL'")
    finally:
        other.close()


def test_one_commit_is_one_new_generation_whichever_threads_ask(priced_store):
    """Before, every thread compared its own connection's token: one commit emptied the cache once per thread."""
    import threading

    watch = ChangeWatch(priced_store)
    try:
        first = watch.generation()
        _commit_elsewhere(priced_store.path)
        seen: list[int] = []
        threads = [threading.Thread(target=lambda: seen.append(watch.generation())) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert seen == [first + 1] * 8
        assert watch.generation() == first + 1
    finally:
        watch.close()


def test_concurrent_requests_for_a_body_being_computed_wait_for_it(priced_store):
    import threading
    import time

    watch = ChangeWatch(priced_store)
    cache = ResponseCache(watch)
    calls: list[int] = []

    def slow() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"body"

    got: list[bytes] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", slow))) for _ in range(10)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert got == [b"body"] * 10 and len(calls) == 1  # computed once, not ten times at once
        _commit_elsewhere(priced_store.path)
        assert cache.get("k", slow) == b"body" and len(calls) == 2  # a new generation computes again
    finally:
        watch.close()
