""" "Why this amount": the clauses a stored figure rests on and the readings it was computed under, with the
answer applied, in Chinese (the lunch, settlement and operating-subsidy pages)."""

from __future__ import annotations

from countyhall.core.policy import ANSWER_LABELS, parameters
from countyhall.core.policy.basis import parameter_rows


def why(*, citations: list[dict], basis: dict | None, readings: list[str] = ()) -> dict:
    """`basis` is a stored policy_basis ({"readings": {id: answer or [answers]}, "changes": [...]}); a figure
    stored before answers were kept lists its `readings` under the adopted answer."""
    registry = parameters().readings
    answered = dict((basis or {}).get("readings") or {})
    for reading_id in readings or ():
        answered.setdefault(reading_id, "adopted")
    rows = []
    for reading_id, answers in sorted(answered.items()):
        reading = registry.get(reading_id)
        if reading is None:
            continue
        for answer in [answers] if isinstance(answers, str) else answers:
            rows.append(
                {
                    "id": reading_id,
                    "question": reading.question,
                    "answer": answer,
                    "answer_label": ANSWER_LABELS.get(answer, answer),
                    "text": reading.answer_text(answer),
                    "citation": reading.citation.as_dict() if reading.citation else None,
                }
            )
    # One entry per clause as the reader names it: two lines of the same clause (五、（一）1 sets both the subsidy
    # and the once-a-day rule) would read as the same citation twice; the first line is the one linked.
    unique: dict[tuple, dict] = {}
    for c in sorted(citations or [], key=lambda c: (c["document"], c["line"])):
        unique.setdefault((c["document"], c["clause"]), c)
    return {
        "citations": list(unique.values()),
        "readings": rows,
        "changes": list((basis or {}).get("changes") or []),
        # the version of each parameter the figure used (None: stored before versions were kept)
        "parameters": parameter_rows(basis),
    }
