"""Every trade rule, on the pure functions."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_trader.ledger.rules import (
    MAX_AMOUNT,
    Book,
    TradeRefused,
    apply_trade,
    check_tradable,
    fill_price,
    normalize_symbol,
    parse_amount,
)


@pytest.mark.parametrize(
    "value,expected", [(1, 1), (250, 250), (5.0, 5), ("7", 7), (" 12 ", 12), (MAX_AMOUNT, MAX_AMOUNT)]
)
def test_amount_accepts_whole_positive_numbers(value, expected):
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        -5.0,
        1.5,
        0.1,
        True,
        False,
        "1.5",
        "ten",
        "",
        "-3",
        None,
        [1],
        {"n": 1},
        float("nan"),
        float("inf"),
        MAX_AMOUNT + 1,
        "1e3",
    ],
)
def test_amount_refuses_everything_else(value):
    with pytest.raises(TradeRefused) as exc:
        parse_amount(value)
    assert "amount" in exc.value.message
    assert exc.value.to_error()["error"] == exc.value.message


def test_symbol_is_normalized_and_must_be_tradable():
    assert normalize_symbol(" aapl ") == "AAPL"
    with pytest.raises(TradeRefused):
        normalize_symbol(42)
    with pytest.raises(TradeRefused):
        normalize_symbol("  ")
    check_tradable("AAPL", ("AAPL", "MSFT"))
    with pytest.raises(TradeRefused, match="QQQ is not in the tradable universe"):
        check_tradable("QQQ", ("AAPL", "MSFT"))


def test_no_open_no_fill():
    assert fill_price("AAPL", "2025-07-03", 212.15) == 212.15
    with pytest.raises(TradeRefused, match="no opening price"):
        fill_price("AAPL", "2025-07-03", None)


def test_buy_spends_exact_cents_and_adds_shares():
    book, fill = apply_trade(Book(10000.0), "buy", "AAPL", 3, 201.7)
    assert book.cash == 9394.90 and book.positions == {"AAPL": 3}
    assert (fill.action, fill.symbol, fill.amount, fill.price, fill.total, fill.cash_after) == (
        "buy",
        "AAPL",
        3,
        201.7,
        605.1,
        9394.9,
    )


def test_cash_is_rounded_to_cents_after_each_trade():
    # 3 x 33.3333 = 99.9999 -> cash 900.0001 -> 900.00
    book, fill = apply_trade(Book(1000.0), "buy", "X", 3, 33.3333)
    assert fill.total == 99.9999
    assert book.cash == 900.0
    assert Decimal(str(book.cash)) == Decimal("900.00")


def test_buy_needs_cash_for_the_whole_order():
    with pytest.raises(TradeRefused, match="insufficient cash") as exc:
        apply_trade(Book(100.0), "buy", "AAPL", 1, 100.01)
    err = exc.value.to_error()
    assert err["symbol"] == "AAPL" and err["required"] == 100.01 and err["cash"] == 100.0
    book, _ = apply_trade(Book(100.0), "buy", "AAPL", 1, 100.0)  # exactly affordable
    assert book.cash == 0.0


def test_sell_needs_shares_no_shorting():
    with pytest.raises(TradeRefused, match="insufficient shares"):
        apply_trade(Book(0.0, {"AAPL": 2}), "sell", "AAPL", 3, 200.0)
    with pytest.raises(TradeRefused, match="holding 0"):
        apply_trade(Book(500.0), "sell", "MSFT", 1, 200.0)


def test_selling_everything_removes_the_holding():
    book, _ = apply_trade(Book(0.0, {"AAPL": 2, "MSFT": 1}), "sell", "AAPL", 2, 200.5)
    assert book.positions == {"MSFT": 1} and book.cash == 401.0


def test_fee_is_charged_on_both_sides():
    book, fill = apply_trade(Book(1000.0), "buy", "A", 1, 100.0, fee=1.5)
    assert book.cash == 898.5 and fill.fee == 1.5
    book, _ = apply_trade(book, "sell", "A", 1, 100.0, fee=1.5)
    assert book.cash == 997.0
    with pytest.raises(TradeRefused, match="insufficient cash"):
        apply_trade(Book(100.0), "buy", "A", 1, 100.0, fee=0.01)
    with pytest.raises(TradeRefused, match="fee exceeds"):
        apply_trade(Book(0.0, {"A": 1}), "sell", "A", 1, 1.0, fee=2.0)


def test_refusal_leaves_the_book_unchanged():
    book = Book(50.0, {"AAPL": 1})
    with pytest.raises(TradeRefused):
        apply_trade(book, "buy", "AAPL", 1, 51.0)
    assert book == Book(50.0, {"AAPL": 1})


@given(
    st.lists(
        st.tuples(st.sampled_from(["buy", "sell"]), st.sampled_from(["A", "B", "C"]), st.integers(1, 60)), max_size=40
    )
)
def test_no_sequence_of_orders_takes_cash_or_shares_below_zero(orders):
    prices = {"A": 123.4567, "B": 9.99, "C": 250.0}
    book = Book(10000.0)
    for action, sym, n in orders:
        try:
            book, fill = apply_trade(book, action, sym, n, prices[sym])
        except TradeRefused:
            continue
        assert fill.cash_after == book.cash
        assert book.cash >= 0
        assert all(v > 0 for v in book.positions.values())
        assert Decimal(str(book.cash)) == Decimal(str(book.cash)).quantize(Decimal("0.01"))
