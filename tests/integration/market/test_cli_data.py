"""`ai-trader data import|status` through Typer's runner and the installed entry point."""

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from ai_trader.cli import data as data_cli
from ai_trader.market.status import data_status
from ai_trader.store import Store

HEADER = "date,symbol,open,high,low,close,volume\n"


@pytest.fixture
def cli():
    app = typer.Typer()
    data_cli.register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["data", *map(str, args)])


def test_import_then_status_json(cli, tmp_path, nasdaq_csv):
    data_dir = tmp_path / "d"
    res = cli("import", nasdaq_csv, "--data-dir", data_dir, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["failed"] == 0 and out["files"][0]["totals"]["added"] == 10811
    assert [w["symbol"] for w in out["files"][0]["warnings"]] == ["ORLY"]
    res = cli("status", "--data-dir", data_dir, "--json")
    st = json.loads(res.stdout)
    assert st["trading_days"] == 106 and st["total_bars"] == 10811
    qqq = next(s for s in st["symbols"] if s["symbol"] == "QQQ")
    assert qqq["benchmark"] and qqq["gaps"] == [{"start": "2025-06-02", "end": "2025-06-02", "days": 1}]
    assert [(w["symbol"], w["date"]) for w in st["splits"]] == [("ORLY", "2025-06-10")]
    again = json.loads(cli("import", nasdaq_csv, "--data-dir", data_dir, "--json").stdout)
    assert again["files"][0]["totals"] == {"added": 0, "updated": 0, "unchanged": 10811, "rejected": 0}


def test_table_output_lists_rejections_and_warnings(cli, tmp_path):
    f = tmp_path / "AAA.csv"
    f.write_text(
        "Date,Open,High,Low,Close,Volume\n2025-06-02,10,11,9,10,5\n2025-06-03,5,6,5,5.5,5\n2025-06-04,5,4,5,5,5\n"
    )
    res = cli("import", f, "--data-dir", tmp_path / "d")
    assert res.exit_code == 0, res.output
    assert "symbol-csv" in res.stdout and "AAA" in res.stdout
    assert "rejected" in res.stdout and "2025-06-04: high 4 is below" in res.stdout
    assert "possible split" in res.stdout
    res = cli("status", "--data-dir", tmp_path / "d")
    assert res.exit_code == 0 and "2 trading days 2025-06-02 .. 2025-06-03" in res.stdout


def test_malformed_file_exits_nonzero_and_other_files_still_import(cli, tmp_path):
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(HEADER + "2025-06-02,AAA,x,1,1,1,1\n")
    good.write_text(HEADER + "2025-06-02,BBB,1,1,1,1,1\n")
    res = cli("import", bad, good, "--data-dir", tmp_path / "d")
    assert res.exit_code == 1
    assert "bad.csv:2: open is not a number: 'x'" in res.stderr and "nothing written" in res.stderr
    db = Store(tmp_path / "d" / "jobs.db")
    assert [r[0] for r in db.conn().execute("SELECT DISTINCT symbol FROM prices")] == ["BBB"]
    db.close()


def test_import_needs_a_path_or_packaged(cli, tmp_path):
    res = cli("import", "--data-dir", tmp_path / "d")
    assert res.exit_code != 0 and "--packaged" in res.output


def test_status_of_empty_store(cli, tmp_path):
    res = cli("status", "--data-dir", tmp_path / "d")
    assert res.exit_code == 0 and "empty" in res.stdout


def test_installed_entry_point_imports_packaged_data(tmp_path):
    """One real process: the `ai-trader` script, settings from the environment (DATA_DIR)."""
    env = {k: v for k, v in os.environ.items() if k != "DATA_DIR"}
    env["DATA_DIR"] = str(tmp_path / "d")
    exe = os.path.join(os.path.dirname(sys.executable), "ai-trader")
    res = subprocess.run(
        [exe, "data", "import", "--packaged", "--json"],
        env=env,
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["files"][0]["totals"]["added"] == 10811
    db = Store(tmp_path / "d" / "jobs.db")
    st = data_status(db)
    db.close()
    assert (st.first_trading_day, st.last_trading_day, st.trading_days) == ("2025-06-02", "2025-10-30", 106)
    assert len(st.symbols) == 102 and {"AAPL", "NVDA", "ORLY", "QQQ"} <= {s.symbol for s in st.symbols}
    assert [(a.symbol, a.effective_date, a.kind, a.ratio) for a in st.corporate_actions] == [
        ("ORLY", "2025-06-10", "split", 15.0)
    ]
    status = subprocess.run(
        [exe, "data", "status"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    )
    assert "corporate action ORLY 2025-06-10: split 15:1 (packaged:nasdaq100_daily)" in status.stdout
    assert "recorded split ORLY 2025-06-10" in status.stdout and "suspected split ORLY" not in status.stdout


def test_import_actions_and_membership_then_status(cli, tmp_path, nasdaq_csv):
    data_dir = tmp_path / "d"
    assert cli("import", nasdaq_csv, "--data-dir", data_dir).exit_code == 0
    before = " ".join(cli("status", "--data-dir", data_dir).stdout.split())
    assert "suspected split ORLY 2025-06-10" in before and "not applied to holdings until confirmed" in before
    actions = tmp_path / "actions.csv"
    actions.write_text(
        "symbol,effective_date,kind,ratio,amount\nAAPL,2025-08-11,dividend,,0.26\nORLY,2025-06-10,split,15,\n"
    )
    members = tmp_path / "members.csv"
    members.write_text("symbol,start_date,end_date\nAAPL,2020-01-01,\nMSFT,2020-01-01,2025-10-30\nZZZZ,2020-01-01,\n")
    res = cli("import", "--actions", actions, "--membership", members, "--data-dir", data_dir, "--json")
    assert res.exit_code == 0, res.output
    files = json.loads(res.stdout)["files"]
    assert files[0] == {"source": "file:actions.csv", "format": "corporate-actions", "splits": 1, "dividends": 1}
    assert files[1] == {"source": "file:members.csv", "format": "membership", "symbols": 3, "intervals": 3}
    st = json.loads(cli("status", "--data-dir", data_dir, "--json").stdout)
    assert ("AAPL", "2025-08-11", "dividend", 0.26) in [
        (a["symbol"], a["effective_date"], a["kind"], a["amount"]) for a in st["corporate_actions"]
    ]
    # MSFT left on 10-30 and ZZZZ has no bars: AAPL alone is tradable on the last day
    assert st["membership"]["tradable_on_last_day"] == ["AAPL"] and st["membership"]["last_trading_day"] == "2025-10-30"
    text = cli("status", "--data-dir", data_dir).stdout
    assert "index membership file:members.csv: 3 symbols (3 spans); 1 tradable on 2025-10-30" in text
    assert "corporate action AAPL 2025-08-11: dividend 0.26/share (file:actions.csv)" in text
    assert "recorded split ORLY 2025-06-10" in text and "suspected split ORLY" not in text  # confirmed: applied
    bad = cli("import", "--membership", tmp_path / "nope.csv", "--data-dir", data_dir)
    assert bad.exit_code == 1 and "cannot read" in bad.output


def test_import_needs_something_to_import(cli, tmp_path):
    res = cli("import", "--data-dir", tmp_path / "d")
    said = " ".join(res.output.replace("│", " ").split())  # rich may wrap the message in a box
    assert res.exit_code == 2 and "--packaged, --actions FILE or --membership SOURCE" in said
