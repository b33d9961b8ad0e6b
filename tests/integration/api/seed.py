"""Seed committed model-days through the real ledger functions (live session → trades → commit), valued at the
real closes of the packaged NASDAQ-100 data. Used where a test needs results without running a whole job."""

from __future__ import annotations

import uuid

from ai_trader.ledger.valuation import daily_values, value_on
from ai_trader.market.prices import PriceView
from ai_trader.store import Store, ledger, sessions
from ai_trader.tools.book import trade_in_session


def commit_day(
    store: Store,
    prices: PriceView,
    signature: str,
    date: str,
    orders=(),
    *,
    job_id=None,
    initial_cash=10_000.0,
    session=None,
) -> int:
    """Run one model-day of `orders` [(action, symbol, amount)] at the day's open and commit it."""
    token = uuid.uuid4().hex
    with store.write() as conn:
        start = ledger.start_state(conn, signature, date, initial_cash)
        sessions.open_live_session(
            conn, token=token, job_id=job_id, signature=signature, date=date, cash=start.cash, positions=start.positions
        )
    for action, symbol, amount in orders:
        trade_in_session(store, token, action, symbol, amount, prices.open(symbol, date))
    with store.write() as conn:
        live = sessions.live_session(conn, token)
        value = value_on(prices, date, live.cash, live.positions)
        dv = daily_values(value, start.previous_value)
        return ledger.commit_model_day(
            conn,
            live,
            portfolio_value=dv.portfolio_value,
            profit=dv.profit,
            return_pct=dv.return_pct,
            initial_cash=initial_cash,
            session=session or {"provider": "test"},
        )
