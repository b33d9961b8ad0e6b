"""Reading replies as local and reasoning servers send them: tool calls written as text (each format), thinking in
fields and <think> blocks, and what goes back into the next request."""

from __future__ import annotations

import json

import pytest

from ai_trader.agents.replies import history_content, read_reply, split_thinking
from ai_trader.agents.textcalls import parse_text_calls, strip_call_markup

BUY = {"symbol": "AAPL", "amount": 2}
PRICE = {"symbol": "MSFT", "date": "2025-06-02"}

FORMATS = {
    "hermes": (f"Buying.\n<tool_call>\n{json.dumps({'name': 'buy', 'arguments': BUY})}\n</tool_call>", "Buying."),
    "hermes, two blocks, the last left open": (
        f"<tool_call>{json.dumps({'name': 'buy', 'arguments': BUY})}</tool_call>\n"
        f"<tool_call>{json.dumps({'name': 'get_price_local', 'arguments': PRICE})}",
        "",
    ),
    "bare json": (json.dumps({"name": "buy", "arguments": BUY}), ""),
    "bare json, parameters (Llama 3)": (f"I will buy. {json.dumps({'name': 'buy', 'parameters': BUY})}", "I will buy."),
    "bare json list": (
        json.dumps([{"name": "buy", "arguments": BUY}, {"name": "get_price_local", "arguments": PRICE}]),
        "",
    ),
    "fenced json, arguments as a JSON string": (
        "Plan:\n```json\n" + json.dumps({"name": "buy", "arguments": json.dumps(BUY)}) + "\n```",
        "Plan:",
    ),
    "openai-shaped json": (json.dumps({"type": "function", "function": {"name": "buy", "arguments": BUY}}), ""),
    "mistral": ("[TOOL_CALLS]" + json.dumps([{"name": "buy", "arguments": BUY}]), ""),
    "mistral [ARGS]": ("[TOOL_CALLS]buy[ARGS]" + json.dumps(BUY), ""),
    "llama-cpp functions.NAME:": ("functions.buy:\n" + json.dumps(BUY), ""),
}


@pytest.mark.parametrize("case", list(FORMATS))
def test_each_text_format_gives_the_call_and_leaves_the_answer(case):
    text, answer = FORMATS[case]
    calls, rest = parse_text_calls(text)
    assert calls[0][0] == "buy"
    args = calls[0][1] if isinstance(calls[0][1], dict) else json.loads(calls[0][1])
    assert args == BUY
    assert rest == answer
    if "two" in case or "list" in case:
        assert [c[0] for c in calls] == ["buy", "get_price_local"]


def test_functions_name_without_arguments_is_a_call_with_no_arguments():
    calls, rest = parse_text_calls("functions.get_price_local:")
    assert calls == [("get_price_local", {}, "functions")] and rest == ""


@pytest.mark.parametrize(
    "text",
    [
        "Holding today: nothing gapped up. <FINISH_SIGNAL>",
        'The data: {"AAPL": 201.7, "MSFT": 460.1} and [1, 2, 3].',
        '{"name": "only a name"}',
        "[TOOL_CALLS] nothing after the tag",
        "<tool_call>not json</tool_call>",
    ],
)
def test_ordinary_text_is_not_a_tool_call(text):
    assert parse_text_calls(text) == ([], text)


def test_markup_never_reaches_the_summary_text():
    assert strip_call_markup("functions.get_price_local:") == ""
    assert strip_call_markup('Checking. <tool_call>{"name": "buy", "arguments": {}}</tool_call>') == "Checking."


def test_native_format_ignores_text_calls_but_summary_drops_their_markup():
    reply = read_reply({"content": "functions.get_price_local:\n" + json.dumps(PRICE)}, 1, "native")
    assert reply.calls == [] and reply.summary_text() == ""
    assert reply.answer == reply.content  # sent back unchanged, as before


def test_content_format_marks_parsed_calls_and_auto_prefers_native():
    native = {"id": "n1", "type": "function", "function": {"name": "sell", "arguments": json.dumps(BUY)}}
    text = "<tool_call>" + json.dumps({"name": "buy", "arguments": BUY}) + "</tool_call>"
    parsed = read_reply({"content": text}, 3, "content")
    assert [(c.id, c.name, c.arguments) for c in parsed.calls] == [("call_3_0", "buy", BUY)]
    assert parsed.formats == {"call_3_0": "hermes"} and parsed.answer == ""
    auto = read_reply({"content": text, "tool_calls": [native]}, 3, "auto")
    assert [c.name for c in auto.calls] == ["sell"] and auto.formats == {}
    both = read_reply({"content": text, "tool_calls": [native]}, 3, "content")
    assert [c.name for c in both.calls] == ["sell", "buy"] and both.formats == {"call_3_1": "hermes"}
    assert read_reply({"content": text}, 3, "auto").formats == {"call_3_0": "hermes"}


@pytest.mark.parametrize(
    ("content", "answer", "thoughts"),
    [
        ("<think>Gap up on NVDA.</think>Buying NVDA.", "Buying NVDA.", ["Gap up on NVDA."]),
        ("Gap up on NVDA.</think>\n\nBuying NVDA.", "Buying NVDA.", ["Gap up on NVDA."]),  # opened in the prompt
        ("<think>cut off by max_tokens", "", ["cut off by max_tokens"]),
        ("<thinking>a</thinking>b<think>c</think>d", "bd", ["a", "c"]),
        ("No thinking here.", "No thinking here.", []),
    ],
)
def test_think_blocks_are_split_from_the_answer(content, answer, thoughts):
    assert split_thinking(content) == (answer, thoughts)


def test_reasoning_fields_are_recorded_and_kept_out_of_history_unless_asked():
    message = {"content": "<think>inner</think>Done.", "reasoning_content": "Field thinking."}
    reply = read_reply(message, 1)
    assert reply.reasoning == "Field thinking.\n\ninner"
    assert reply.answer == "Done." and reply.summary_text() == "Done."
    assert history_content(reply, False) == ("Done.", {})
    assert history_content(reply, True) == ("<think>inner</think>Done.", {"reasoning_content": "Field thinking."})
    assert read_reply({"content": "x", "reasoning": "OpenRouter style"}, 1).reasoning == "OpenRouter style"
