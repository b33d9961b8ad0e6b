"""Unknown config keys (issue 19 item 6): every key outside the documented set is found, with its location, and a
near miss of a known key gets a suggestion."""

from __future__ import annotations

from ai_trader.config_keys import UnknownKeys, describe, unknown_keys

CONFIG = {
    "agent_type": "BaseAgent",
    "date_range": {"init_date": "2025-06-02", "end_date": "2025-06-03"},
    "models": [
        {"name": "m", "signature": "m", "basemodel": "x", "request_timout_s": 30, "colour": "blue"},
        {"signature": "b", "provider": "baseline", "strategy": "cash"},
    ],
    "agent_config": {"max_step": 5, "initial_cash": 1000.0},
    "log_config": {"log_path": "./data/agent_data"},
    "comment": "an AI-Trader extra",
}


def test_unknown_keys_are_listed_with_a_did_you_mean_for_near_misses():
    assert unknown_keys(CONFIG) == [
        ("comment", None),
        ("agent_config.max_step", "max_steps"),
        ("models.0.request_timout_s", "request_timeout_s"),
        ("models.0.colour", None),
    ]
    assert describe("agent_config.max_step", "max_steps") == (
        "unknown config key 'agent_config.max_step' is ignored (did you mean 'max_steps'?)"
    )


def test_a_config_with_only_documented_keys_has_none():
    clean = {k: v for k, v in CONFIG.items() if k != "comment"}
    clean["agent_config"] = {"max_steps": 5}
    clean["models"] = [CONFIG["models"][1]]
    assert unknown_keys(clean) == []
    assert unknown_keys(["not", "a", "dict"]) == []


def test_the_check_warns_by_default_and_refuses_when_strict():
    lenient = UnknownKeys(strict=False)
    assert lenient(CONFIG) == [] and len(lenient.warnings) == 4
    strict = UnknownKeys(strict=True)
    problems = strict(CONFIG)
    assert [p["location"] for p in problems] == [
        "comment",
        "agent_config.max_step",
        "models.0.request_timout_s",
        "models.0.colour",
    ]
    assert "did you mean 'max_steps'" in problems[1]["problem"] and "STRICT_CONFIG" in problems[1]["problem"]
