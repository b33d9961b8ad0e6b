-- Where a session's cost_usd comes from (agents/costs.py): 'price_table' (PRICE_TABLE), 'endpoint' (the cost the
-- endpoint reported in `usage`, e.g. OpenRouter), 'genai-prices' (the maintained price database), 'local' (the
-- scripted model: no paid inference), 'none' (a baseline: no model). NULL: unknown — cost_usd is then 0 but is
-- shown as "unknown", never as a free session (rows from before this migration are NULL too).
ALTER TABLE session_records ADD COLUMN cost_source TEXT;
