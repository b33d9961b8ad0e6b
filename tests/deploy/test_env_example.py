""".env.example names exactly the variables the code reads, and copying it to .env changes nothing."""

from __future__ import annotations

import re

from ai_trader.settings import Settings

from .helpers import ENV_EXAMPLE

ASSIGNMENT = re.compile(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=")


def _entries() -> list[tuple[str, bool]]:
    """(NAME, active) for each `NAME=...` line; inactive = commented out (`# NAME=...`)."""
    out = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = ASSIGNMENT.match(line.strip())
        if m:
            out.append((m.group(1), not line.lstrip().startswith("#")))
    return out


def test_every_setting_is_listed_and_nothing_else():
    names = [n for n, _ in _entries()]
    assert len(names) == len(set(names)), "a variable is listed twice"
    fields = {name.upper() for name in Settings.model_fields}
    assert set(names) == fields  # every variable is a typed setting: nothing is read outside Settings


def test_every_variable_has_a_comment_above_it():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = ASSIGNMENT.match(line.strip())
        if not m:
            continue
        j = i - 1
        while j >= 0 and ASSIGNMENT.match(lines[j].strip()):  # a group of related variables shares one comment
            j -= 1
        assert j >= 0 and lines[j].startswith("#") and not ASSIGNMENT.match(lines[j]), m.group(1)


def test_copying_the_example_to_dotenv_gives_the_defaults(tmp_path, monkeypatch):
    for name, _ in _entries():
        monkeypatch.delenv(name, raising=False)
    from_example = Settings(_env_file=ENV_EXAMPLE)
    assert from_example.model_dump() == Settings(_env_file=None).model_dump()


def test_secrets_are_never_set_in_the_example():
    for name, active in _entries():
        if re.search(r"KEY|SECRET|TOKEN|PASSWORD", name):
            assert not active, f"{name} must stay commented out in .env.example"


def _comment_above(name: str) -> str:
    """The comment lines right above `NAME=` (or `# NAME=`)."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    i = next(i for i, line in enumerate(lines) if (m := ASSIGNMENT.match(line.strip())) and m.group(1) == name)
    above = []
    for line in reversed(lines[:i]):
        if not line.startswith("#") or ASSIGNMENT.match(line.strip()):
            break
        above.insert(0, line.lstrip("# "))
    return " ".join(above)


def test_max_parallel_models_is_described_as_bounding_the_signature_chains():
    text = _comment_above("MAX_PARALLEL_MODELS")
    assert "same date" not in text  # chains never wait for each other's dates
    assert "chains" in text and "unset" in text


def test_runtime_env_path_is_documented_as_ignored():
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "RUNTIME_ENV_PATH" in line)
    assert "ignored" in line and not ASSIGNMENT.match(line.strip())  # documented, never a variable to set
    readme = (ENV_EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    assert "`RUNTIME_ENV_PATH`" in readme and "ignored" in readme.split("`RUNTIME_ENV_PATH`", 1)[1][:200]
