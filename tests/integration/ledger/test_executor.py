"""The model-day executor on a real database: one transaction, carry-over, all or nothing (invariants 3 and 5)."""

from __future__ import annotations

import asyncio

import pytest

from ai_trader.errors import ModelDayFailed
from ai_trader.jobs.executor import execute_model_day
from ai_trader.store import ledger as ledger_store
from ai_trader.store import records as record_store
from tests.integration.ledger.fixtures import Scripted, open_session
from tests.support.exports import read_jsonl


def run(env, date, competitor, *, signature="sig", job_id="job-1", timeout_s=10.0, **kw):
    return asyncio.run(
        execute_model_day(
            env,
            job_id=job_id,
            signature=signature,
            date=date,
            competitor=competitor,
            initial_cash=10000.0,
            timeout_s=timeout_s,
            **kw,
        )
    )


def counts(env):
    c = env.store.conn()
    return {
        t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("model_days", "trades", "session_records", "live_sessions", "staged_trades")
    }


def test_commit_writes_snapshot_trades_and_session_record(env):
    comp = Scripted(
        [
            ("buy", {"symbol": "AAPL", "amount": 10}),
            ("buy", {"symbol": "NVDA", "amount": 5}),
            ("buy", {"symbol": "QQQ", "amount": 1}),
        ]
    )
    out = run(env, "2025-07-03", comp)
    assert "error" in comp.results[2]
    # cash 10000 - 2121.45 - 791.85 ; value at the close: AAPL 213.55, NVDA 159.34
    assert (out.cash, out.positions, out.trades) == (7086.70, {"AAPL": 10, "NVDA": 5}, 2)
    assert out.portfolio_value == round(7086.70 + 2135.50 + 796.70, 2) == 10018.9
    assert (out.profit, out.return_pct) == (18.9, 0.189)
    with env.store.read() as conn:
        day = ledger_store.model_day(conn, "sig", "2025-07-03")
        trades = ledger_store.trades_for(conn, [day.id])[day.id]
        rec = record_store.session_record(conn, day.id)
    assert day.job_id == "job-1" and not day.no_trade and day.portfolio_value == 10018.9
    assert [(t.seq, t.action, t.symbol, t.amount, t.price) for t in trades] == [
        (1, "buy", "AAPL", 10, 212.145),
        (2, "buy", "NVDA", 5, 158.37),
    ]
    assert rec.provider == "test" and rec.stop_signal_received and rec.tool_usage == {"buy": 3}
    assert rec.messages[-1] == {"role": "assistant", "content": "done"}
    assert counts(env)["live_sessions"] == 0 and counts(env)["staged_trades"] == 0


def test_invariant3_portfolio_carries_over_across_jobs_weekends_and_holidays(env):
    run(env, "2025-07-03", Scripted([("buy", {"symbol": "AAPL", "amount": 7})]), job_id="job-A")
    second = Scripted([("sell", {"symbol": "AAPL", "amount": 2})])
    out = run(env, "2025-07-07", second, job_id="job-B")  # Friday 4 July holiday + weekend in between
    brief = second.briefs[0]
    assert brief.positions == {"AAPL": 7} and brief.cash == 8514.98  # 10000 - 1485.015, half-even
    assert brief.prev_date == "2025-07-03" and brief.prev_closes["AAPL"] == 213.55
    assert brief.today_opens["AAPL"] == 212.68 and "QQQ" not in brief.tradable
    assert second.results[0] == {"AAPL": 5, "CASH": 8940.34}
    # profit is against the previous committed value, not the initial cash
    with env.store.read() as conn:
        first = ledger_store.model_day(conn, "sig", "2025-07-03")
    assert out.profit == round(out.portfolio_value - first.portfolio_value, 2)
    third = Scripted()
    run(env, "2025-07-08", third, job_id="job-C")
    assert third.briefs[0].positions == {"AAPL": 5} and third.briefs[0].cash == 8940.34


def test_no_trade_day_is_recorded(env):
    out = run(env, "2025-07-03", Scripted())
    assert out.trades == 0 and out.portfolio_value == 10000.0 and out.profit == 0.0
    with env.store.read() as conn:
        assert ledger_store.model_day(conn, "sig", "2025-07-03").no_trade


@pytest.mark.parametrize("kind", ["raises", "times_out", "on_commit_raises", "bad_result"])
def test_invariant5_a_failed_model_day_leaves_no_trace(env, kind):
    run(env, "2025-07-02", Scripted([("buy", {"symbol": "MSFT", "amount": 1})]))
    before = counts(env)
    comp = Scripted(
        [("buy", {"symbol": "AAPL", "amount": 10}), ("sell", {"symbol": "MSFT", "amount": 1})],
        fail=RuntimeError("boom") if kind == "raises" else None,
        hang=kind == "times_out",
    )
    if kind == "bad_result":

        async def bad(brief, tools):
            await tools.call("buy", {"symbol": "AAPL", "amount": 1})
            return {"not": "a SessionResult"}

        comp.run_day = bad

    def on_commit(conn):
        conn.execute("INSERT INTO symbols(symbol) VALUES ('ZZTOP')")
        if kind == "on_commit_raises":
            raise RuntimeError("job detail transition refused")

    with pytest.raises(ModelDayFailed) as exc:
        run(env, "2025-07-03", comp, timeout_s=0.5, on_commit=on_commit)
    assert {
        "raises": "boom",
        "times_out": "timed out",
        "on_commit_raises": "transition refused",
        "bad_result": "not a SessionResult",
    }[kind] in str(exc.value)
    assert counts(env) == before  # nothing of 2025-07-03, and the live session is gone
    assert env.store.conn().execute("SELECT COUNT(*) FROM symbols WHERE symbol='ZZTOP'").fetchone()[0] == 0
    again = Scripted()
    run(env, "2025-07-03", again)  # re-running starts from the same state
    assert again.briefs[0].positions == {"MSFT": 1}


def test_on_commit_runs_inside_the_commit_transaction(env):
    seen = []

    def on_commit(conn):
        seen.append(conn.in_transaction)
        seen.append(conn.execute("SELECT COUNT(*) FROM model_days WHERE date='2025-07-03'").fetchone()[0])

    run(env, "2025-07-03", Scripted(), on_commit=on_commit)
    assert seen == [True, 1]


def test_rerunning_a_day_replaces_it_cleanly(env):
    run(env, "2025-07-03", Scripted([("buy", {"symbol": "AAPL", "amount": 10})]))
    run(env, "2025-07-03", Scripted([("buy", {"symbol": "NVDA", "amount": 1})]), job_id="job-2")
    with env.store.read() as conn:
        days = ledger_store.model_days(conn, "sig")
        trades = ledger_store.trades_for(conn, [d.id for d in days])
    assert len(days) == 1 and days[0].positions == {"NVDA": 1} and days[0].job_id == "job-2"
    assert [t.symbol for t in trades[days[0].id]] == ["NVDA"]
    assert counts(env)["session_records"] == 1 and counts(env)["trades"] == 1


def test_a_stale_live_session_from_a_crash_is_replaced(env):
    ctx = open_session(env, "sig", "2025-07-03", token="crashed")
    from ai_trader.tools.registry import call_tool

    call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 3})
    out = run(env, "2025-07-03", Scripted())
    assert out.positions == {} and out.cash == 10000.0
    assert counts(env)["live_sessions"] == 0 and counts(env)["staged_trades"] == 0


def test_non_trading_day_fails_without_trace(env):
    with pytest.raises(ModelDayFailed, match="not a trading day"):
        run(env, "2025-07-04", Scripted())
    assert counts(env)["live_sessions"] == 0


def test_export_files_written_after_commit(env, tmp_path):
    run(env, "2025-07-03", Scripted([("buy", {"symbol": "AAPL", "amount": 2})]), agent_data_dir=tmp_path)
    lines = read_jsonl(tmp_path / "sig/position/position.jsonl")
    assert lines[-1]["this_action"] == {"action": "buy", "symbol": "AAPL", "amount": 2}
    log = read_jsonl(tmp_path / "sig/log/2025-07-03/log.jsonl")
    assert log == [
        {"signature": "sig", "new_messages": [{"role": "user", "content": "go"}]},
        {"signature": "sig", "new_messages": [{"role": "assistant", "content": "done"}]},
    ]


def test_toolbox_factory_substitutes_the_toolbox(env):
    made = []

    class Wrapped:
        def __init__(self, ctx):
            from ai_trader.agents.toolbox import InProcessToolbox

            self.inner, self.closed = InProcessToolbox(env, ctx), False
            made.append(self)

        def specs(self):
            return self.inner.specs()

        async def call(self, name, arguments):
            return await self.inner.call(name, arguments)

        async def aclose(self):
            self.closed = True

    out = run(env, "2025-07-03", Scripted([("buy", {"symbol": "AAPL", "amount": 1})]), toolbox_factory=Wrapped)
    assert out.trades == 1 and made[0].closed and made[0].inner.ctx.signature == "sig"
