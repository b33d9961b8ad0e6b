"""AI-Trader position.jsonl / log.jsonl regenerated from the database, and `ai-trader export`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ai_trader.cli import app
from ai_trader.exports import export_signatures, position_path
from ai_trader.store import ledger
from tests.support.exports import Plan, play, read_jsonl


def test_position_file_format(env, tmp_path):
    plan = Plan(
        {
            "2025-07-01": [("buy", {"symbol": "AAPL", "amount": 10}), ("buy", {"symbol": "NVDA", "amount": 4})],
            "2025-07-03": [("sell", {"symbol": "AAPL", "amount": 10}), ("buy", {"symbol": "QQQ", "amount": 1})],
        }
    )
    play(env, "gpt-x", plan, ["2025-07-01", "2025-07-02", "2025-07-03"])
    assert export_signatures(env.store, tmp_path) == {"gpt-x": 4}
    got = read_jsonl(position_path(tmp_path, "gpt-x"))
    assert got[0] == {"date": "2025-07-01", "id": 0, "positions": {"CASH": 10000.0}}
    assert [x["id"] for x in got] == list(range(len(got)))
    assert [(x["date"], x["this_action"]) for x in got[1:]] == [
        ("2025-07-01", {"action": "buy", "symbol": "AAPL", "amount": 10}),
        ("2025-07-01", {"action": "buy", "symbol": "NVDA", "amount": 4}),
        ("2025-07-02", {"action": "no_trade", "symbol": "", "amount": 0}),
        ("2025-07-03", {"action": "sell", "symbol": "AAPL", "amount": 10}),  # the refused QQQ buy is not a line
    ]
    # 10 x 206.665 = 2066.65 ; 4 x 156.29 = 625.16 ; AAPL sold at 212.145
    assert got[1]["positions"] == {"AAPL": 10, "CASH": 7933.35}
    assert got[2]["positions"] == {"AAPL": 10, "NVDA": 4, "CASH": 7308.19}
    assert got[3]["positions"] == {"AAPL": 10, "NVDA": 4, "CASH": 7308.19}
    assert got[4]["positions"] == {"NVDA": 4, "CASH": 9429.64}
    logs = read_jsonl(tmp_path / "gpt-x/log/2025-07-02/log.jsonl")
    assert logs == [
        {"signature": "gpt-x", "new_messages": [{"role": "user", "content": "day 2025-07-02"}]},
        {"signature": "gpt-x", "new_messages": [{"role": "assistant", "content": "<FINISH_SIGNAL>"}]},
    ]


def test_replacing_a_day_regenerates_consistent_ids(env, tmp_path):
    play(env, "m", Plan({"2025-07-01": [("buy", {"symbol": "AAPL", "amount": 1})] * 3}), ["2025-07-01", "2025-07-02"])
    export_signatures(env.store, tmp_path)
    assert len(read_jsonl(position_path(tmp_path, "m"))) == 5
    play(env, "m", Plan({}), ["2025-07-01", "2025-07-02"])  # the days re-run without trades
    export_signatures(env.store, tmp_path)
    got = read_jsonl(position_path(tmp_path, "m"))
    assert [x["id"] for x in got] == [0, 1, 2]
    assert [x["this_action"]["action"] for x in got[1:]] == ["no_trade", "no_trade"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_replacing_a_day_removes_the_later_days_and_their_files(env, tmp_path):
    """A later day started from the replaced day's snapshot: it goes with the replacement (quality.md invariant 3),
    and so do its lines and its log file, in the files written at commit and in `ai-trader export`'s."""
    at_commit, exported = tmp_path / "at-commit", tmp_path / "export"
    buys = Plan({d: [("buy", {"symbol": "AAPL", "amount": 1})] for d in ("2025-07-01", "2025-07-02", "2025-07-03")})
    play(env, "m", buys, ["2025-07-01", "2025-07-02", "2025-07-03"], agent_data_dir=at_commit)
    export_signatures(env.store, exported)
    for root in (at_commit, exported):
        assert sorted(p.parent.name for p in root.rglob("log.jsonl")) == ["2025-07-01", "2025-07-02", "2025-07-03"]
    play(env, "m", Plan({}), ["2025-07-01"], agent_data_dir=at_commit)  # re-run without trades
    export_signatures(env.store, exported)
    with env.store.read() as conn:
        assert [(d.date, d.positions) for d in ledger.model_days(conn, "m")] == [("2025-07-01", {})]
    for root in (at_commit, exported):
        assert [x["date"] for x in read_jsonl(position_path(root, "m"))] == ["2025-07-01", "2025-07-01"]
        assert [p.parent.name for p in root.rglob("log.jsonl")] == ["2025-07-01"]
        assert not (root / "m" / "log" / "2025-07-02").exists()


def test_export_refuses_path_tricks(env, tmp_path):
    with pytest.raises(ValueError):
        position_path(tmp_path, "../evil")


def test_cli_export(env, settings):
    play(env, "alpha", Plan({"2025-07-01": [("buy", {"symbol": "MSFT", "amount": 1})]}), ["2025-07-01"])
    env.store.close()
    runner = CliRunner()
    res = runner.invoke(app, ["export", "--data-dir", str(settings.data_dir)])
    assert res.exit_code == 0, res.output
    assert "alpha: 2 file(s)" in res.output
    assert (settings.data_dir / "agent_data/alpha/position/position.jsonl").exists()
    assert (settings.data_dir / "agent_data/alpha/log/2025-07-01/log.jsonl").exists()
    res = runner.invoke(app, ["export", "--data-dir", str(settings.data_dir), "--signature", "nobody"])
    assert res.exit_code == 1 and "no committed model-days" in res.output
    res = runner.invoke(app, ["export", "--data-dir", str(settings.data_dir), "--signature", "../x"])
    assert res.exit_code != 0
