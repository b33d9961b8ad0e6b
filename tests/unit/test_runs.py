"""Ledger keys of repeated runs: run 1 is the signature itself; run k >= 2 is `<signature>@<k>`."""

from __future__ import annotations

from ai_trader.config import ModelConfig
from ai_trader.runs import keys, label, ledger_key, run_entry, split_key


def test_keys_round_trip_and_run_1_is_the_signature():
    assert ledger_key("gpt-5") == "gpt-5" and ledger_key("gpt-5", 3) == "gpt-5@3"
    assert split_key("gpt-5@3") == ("gpt-5", 3) and split_key("gpt-5") == ("gpt-5", 1)
    assert split_key("v1.2-x") == ("v1.2-x", 1)
    assert keys("m", 3) == ["m", "m@2", "m@3"]


def test_run_k_plays_the_entry_with_its_own_key_and_seed_plus_k_minus_1():
    entry = ModelConfig(signature="m", provider="scripted", script="random_picks", seed=7, temperature=0.7)
    assert run_entry(entry, "m") is entry
    third = run_entry(entry, "m@3")
    assert (third.signature, third.seed, third.temperature) == ("m@3", 9, 0.7)
    assert run_entry(entry.model_copy(update={"seed": None}), "m@2").seed is None


def test_label_shows_the_signature_and_the_run():
    assert label({"model": "m@2"}) == {"model": "m", "run": 2}
    assert label({"model": "m"}) == {"model": "m"}
