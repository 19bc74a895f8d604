"""A citation names the gazette clause that sets a figure; a reading names the interpretation adopted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# The two answers a reading has: the one the platform adopts by default (POLICIES.md **Reading:**) and the other
# plausible one (**Alt:**). Which is in force on a date is governed data (core.policy.governed).
ADOPTED = "adopted"
ALTERNATIVE = "alternative"
ANSWERS = (ADOPTED, ALTERNATIVE)
ANSWER_LABELS = {ADOPTED: "平台采用的理解", ALTERNATIVE: "另一种理解"}


@dataclass(frozen=True, order=True)
class Citation:
    document: str  # 文号, e.g. 高政办发〔2021〕2号
    clause: str  # clause path as printed, e.g. 五、（一）1
    line: int  # line in the gazette seed text

    def as_dict(self) -> dict:
        return {"document": self.document, "clause": self.clause, "line": self.line}

    def __str__(self) -> str:
        return f"{self.document} {self.clause}（第{self.line}行）"


@dataclass(frozen=True)
class Reading:
    """An interpretation adopted where the gazette is silent or ambiguous (POLICIES.md **Reading:**)."""

    id: str
    text: str  # the adopted answer
    alternative: str = ""  # the other plausible answer
    citation: Citation | None = None
    question: str = ""  # what the text leaves open, as a question an administrator answers
    # answer → {parameter name: typed value}: what switching to that answer changes in the figures. A reading
    # without effects for an answer is applied by the rules themselves (ParameterTrace.answer) or, when no code
    # reads it, is informative only (`computable` False).
    effects: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    source_file: str = ""

    def answer_text(self, answer: str) -> str:
        return self.alternative if answer == ALTERNATIVE else self.text

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "question": self.question,
            "text": self.text,
            "alternative": self.alternative,
            "citation": self.citation.as_dict() if self.citation else None,
        }
