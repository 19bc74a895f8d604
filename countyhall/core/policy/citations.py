"""A citation names the gazette clause that sets a figure; a reading names the interpretation adopted."""

from __future__ import annotations

from dataclasses import dataclass


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
    text: str
    alternative: str = ""
    citation: Citation | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "alternative": self.alternative,
            "citation": self.citation.as_dict() if self.citation else None,
        }
