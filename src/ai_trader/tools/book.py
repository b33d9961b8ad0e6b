"""One order against a live session's book: the trade rules (`ledger/rules.py`) applied to the intraday book
(`store/sessions.py`) in ONE write transaction, whoever calls it (the in-process tools, the MCP trade server)."""

from __future__ import annotations

from ..ledger.rules import Action, Book, Costs, Fill, TradeRefused, apply_trade
from ..store import Store
from ..store import sessions as session_store


def costs_of(live: session_store.LiveSession) -> Costs:
    return Costs(live.commission_bps, live.commission_min, live.slippage_bps)


def trade_in_session(
    store: Store,
    token: str,
    action: Action,
    symbol: str,
    amount: int,
    price: float,
    fee: float = 0.0,
    *,
    signature: str | None = None,
    date: str | None = None,
) -> tuple[Book, Fill]:
    """Read the book, check the rules, write the new book and the staged trade. Raises TradeRefused (nothing
    written) when a rule or the session forbids it. `signature`/`date`, when given, must match the session the
    token is bound to."""
    with store.write() as conn:
        live = session_store.live_session(conn, token)
        if live is None:
            raise TradeRefused("this trading session is not active (finished, timed out or unknown)")
        if (signature is not None and signature != live.signature) or (date is not None and date != live.date):
            raise TradeRefused("the session token does not belong to this signature and date")
        book, fill = apply_trade(
            Book(live.cash, dict(live.positions)), action, symbol, amount, price, fee, costs_of(live)
        )
        session_store.set_book(conn, token, book.cash, book.positions)
        session_store.stage_trade(conn, token, fill)
    return book, fill
