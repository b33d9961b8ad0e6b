"""Leaderboard statistics a researcher can trust (issue 18 §2): pure functions over daily value series.

- `returns`: aligns each signature's runs and the benchmark on common trading days (daily simple returns);
- `runstats`: cumulative/annualised return, Sharpe and max drawdown per run (vectorised), and the mean with a
  95 % confidence interval across runs (Student t);
- `bootstrap`: the stationary bootstrap over days (`arch.bootstrap.StationaryBootstrap`, seeded): the interval of
  the excess return over QQQ, the probability of beating it, and — with one run — the metrics' intervals;
- `tiers`: tier numbers from repeated model confidence sets (`arch.bootstrap.MCS`, Hansen, Lunde & Nason 2011);
- `deflated`: the deflated Sharpe ratio (Bailey & López de Prado 2014);
- `board`: puts them together per signature (what `/performance` adds under `statistics`).
No I/O here: the service reads the store and passes the series in.
"""
