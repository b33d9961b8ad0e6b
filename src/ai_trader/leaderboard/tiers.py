"""Tiers: which signatures are statistically indistinguishable from the best, by repeated model confidence sets.

The model confidence set (Hansen, Lunde & Nason 2011; `arch.bootstrap.MCS`, method "R", stationary bootstrap,
seeded) at size 0.05 is the set of signatures that contains the best one (lowest expected loss) with 95 %
confidence. Losses are negative daily returns (each signature's return averaged over its runs), on the trading
days every compared signature has. Tier 1 is that set; it is removed and the MCS of the rest is tier 2, and so on
until every signature has a tier. Signatures with identical daily returns (e.g. two all-cash baselines) are
compared once and share their tier. Assumption: the loss differentials are stationary (the bootstrap keeps their
short-range dependence; see `bootstrap.block_length`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import cast

import numpy as np
from arch.bootstrap import MCS

from .bootstrap import REPS, SEED, block_length

SIZE = 0.05
MIN_DAYS = 10


def _distinct(returns: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """(the distinct columns of days × M `returns`, for each original column the index of its distinct one)."""
    keys: dict[bytes, int] = {}
    which = []
    for j in range(returns.shape[1]):
        which.append(keys.setdefault(np.ascontiguousarray(returns[:, j]).tobytes(), len(keys)))
    firsts = sorted({w: j for j, w in reversed(list(enumerate(which)))}.items())
    return returns[:, [j for _, j in firsts]], which


def tiers(returns: np.ndarray, size: float = SIZE, reps: int = REPS, seed: int = SEED) -> list[int] | None:
    """Tier of each column of days × M daily `returns` (1 = best); None with fewer than `MIN_DAYS` days."""
    n, m = returns.shape
    if m == 0 or n < MIN_DAYS:
        return None
    distinct, which = _distinct(returns)
    tier_of = _tiers(-distinct, size, reps, seed)
    return [tier_of[w] for w in which]


def _tiers(losses: np.ndarray, size: float, reps: int, seed: int) -> list[int]:
    remaining = list(range(losses.shape[1]))
    out = [0] * losses.shape[1]
    tier = 1
    while remaining:
        if len(remaining) == 1:
            best: Sequence[int] = remaining
        else:
            mcs = MCS(losses[:, remaining], size, reps=reps, block_size=block_length(losses.shape[0]), seed=seed)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                mcs.compute()
            best = [remaining[cast(int, i)] for i in mcs.included] or remaining
        for j in best:
            out[j] = tier
        remaining = [j for j in remaining if j not in best]
        tier += 1
    return out
