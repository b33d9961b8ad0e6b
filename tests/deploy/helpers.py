"""Shared by the deploy tests: repository paths and a minimal Dockerfile reader."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
LOCK = ROOT / "requirements.lock"


@dataclass(frozen=True)
class Instruction:
    cmd: str  # upper-case keyword
    value: str  # the rest, continuation lines joined

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction (after any --flags for HEALTHCHECK CMD), else None."""
        text = self.value
        if self.cmd == "HEALTHCHECK":
            text = re.sub(r"^(--\S+\s+)*CMD\s+", "", text)
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None


def read_dockerfile(path: Path = DOCKERFILE) -> list[Instruction]:
    """Instructions in order: comments and blank lines dropped, backslash continuations joined."""
    out: list[Instruction] = []
    buf = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        cmd, _, rest = buf.partition(" ")
        out.append(Instruction(cmd.upper(), rest.strip()))
        buf = ""
    return out


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    """The instructions of the last build stage (from its FROM on)."""
    starts = [i for i, ins in enumerate(instructions) if ins.cmd == "FROM"]
    return instructions[starts[-1] :]
