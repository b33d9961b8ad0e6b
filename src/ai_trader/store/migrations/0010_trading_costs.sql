-- Trading costs (agent_config commission_bps, commission_min, slippage_bps): bound to the live session when it
-- opens (so the MCP trade server applies the job's costs), and recorded on every staged and committed trade.
-- fill_price NULL: a trade from before costs existed (its fill price is its price, the open).
ALTER TABLE live_sessions ADD COLUMN commission_bps REAL NOT NULL DEFAULT 0;
ALTER TABLE live_sessions ADD COLUMN commission_min REAL NOT NULL DEFAULT 0;
ALTER TABLE live_sessions ADD COLUMN slippage_bps REAL NOT NULL DEFAULT 0;
ALTER TABLE staged_trades ADD COLUMN fill_price REAL;
ALTER TABLE staged_trades ADD COLUMN commission REAL NOT NULL DEFAULT 0;
ALTER TABLE staged_trades ADD COLUMN slippage REAL NOT NULL DEFAULT 0;
ALTER TABLE trades ADD COLUMN fill_price REAL;
ALTER TABLE trades ADD COLUMN commission REAL NOT NULL DEFAULT 0;
ALTER TABLE trades ADD COLUMN slippage REAL NOT NULL DEFAULT 0;
