"""position.jsonl kept up to date at each commit: appended day by day, regenerated when history changes, and always
byte-identical to what `ai-trader export` regenerates from the database."""

from __future__ import annotations

import stat

from ai_trader.exports import export_signatures, position_path
from tests.support.exports import Plan, play

DAYS = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07", "2025-07-08"]


def accented(date: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"day {date} – é"}]


def regenerated(env, tmp_path, signature) -> bytes:
    out = tmp_path / "regen"
    export_signatures(env.store, out, [signature])
    return position_path(out, signature).read_bytes()


PLAN = Plan(
    {
        "2025-07-01": [("buy", {"symbol": "AAPL", "amount": 10}), ("buy", {"symbol": "NVDA", "amount": 4})],
        "2025-07-03": [("sell", {"symbol": "AAPL", "amount": 10}), ("buy", {"symbol": "MSFT", "amount": 2})],
        "2025-07-08": [("sell", {"symbol": "NVDA", "amount": 4})],
    },
    accented,
)


def test_days_are_appended_and_equal_the_regenerated_file(env, tmp_path):
    live = tmp_path / "live"
    play(env, "m", PLAN, DAYS[:1], live)
    path = position_path(live, "m")
    inode = path.stat().st_ino
    play(env, "m", PLAN, DAYS[1:], live)
    assert path.stat().st_ino == inode  # appended in place, not rewritten
    assert path.read_bytes() == regenerated(env, tmp_path, "m")
    ids = [line.split(b'"id": ')[1].split(b",")[0] for line in path.read_bytes().splitlines()]
    assert ids == [str(i).encode() for i in range(len(ids))]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((live / "m/log/2025-07-08/log.jsonl").stat().st_mode) == 0o644


def test_rerunning_an_earlier_day_regenerates_then_appending_resumes(env, tmp_path):
    live = tmp_path / "live"
    play(env, "m", PLAN, DAYS[:4], live)
    play(env, "m", Plan({"2025-07-02": [("buy", {"symbol": "QQQ", "amount": 1})] * 3}, accented), ["2025-07-02"], live)
    assert position_path(live, "m").read_bytes() == regenerated(env, tmp_path, "m")  # ids renumbered
    play(env, "m", PLAN, DAYS[3:4], live)  # the latest day replaced: same date as the file's last line
    assert position_path(live, "m").read_bytes() == regenerated(env, tmp_path, "m")
    play(env, "m", PLAN, DAYS[4:], live)
    assert position_path(live, "m").read_bytes() == regenerated(env, tmp_path, "m")
    assert not list(live.rglob("*.tmp"))


def test_a_damaged_or_stale_file_is_regenerated(env, tmp_path):
    live = tmp_path / "live"
    path = position_path(live, "m")
    play(env, "m", PLAN, DAYS[:2], live)
    with path.open("ab") as f:
        f.write(b'{"date": "2025-07-02", "id": 4')  # a torn last line
    play(env, "m", PLAN, DAYS[2:3], live)
    assert path.read_bytes() == regenerated(env, tmp_path, "m")
    lines = path.read_text().splitlines()  # a file of another history: same last day, but the ids do not continue
    lines = lines[:1] + [x.replace(f'"id": {i + 2}', f'"id": {i + 1}') for i, x in enumerate(lines[2:])]
    path.write_text("\n".join(lines) + "\n")
    play(env, "m", PLAN, DAYS[3:4], live)
    assert path.read_bytes() == regenerated(env, tmp_path, "m")
    path.unlink()
    play(env, "m", PLAN, DAYS[4:], live)
    assert path.read_bytes() == regenerated(env, tmp_path, "m")


def test_a_day_missing_from_the_file_is_not_skipped(env, tmp_path):
    """Days committed without their export (e.g. written elsewhere) must not be papered over by an append."""
    live, other = tmp_path / "live", tmp_path / "other"
    play(env, "m", PLAN, DAYS[:2], live)
    play(env, "m", PLAN, DAYS[2:3], other)
    play(env, "m", PLAN, DAYS[3:], live)
    assert position_path(live, "m").read_bytes() == regenerated(env, tmp_path, "m")
