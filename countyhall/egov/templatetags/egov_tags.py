"""{% egov_basis decision %}: the clauses and readings a stored decision rests on, in plain words (the reading ids
and seed lines folded under 技术信息)."""

from __future__ import annotations

from django import template

from countyhall.core.policy import parameters

register = template.Library()


@register.inclusion_tag("egov/_basis.html")
def egov_basis(decision, label: str = "依据"):
    if decision is not None and not isinstance(
        decision, dict
    ):  # a PlanYear or AnnualPlan: fields of their own
        decision = {
            "citations": decision.citations,
            "reading_answers": getattr(decision, "policy_basis", {}).get("readings", {}),
        }
    decision = decision or {}
    readings = []
    registry = parameters()
    for reading_id, answer in sorted(
        (decision.get("reading_answers") or decision.get("readings") or {}).items()
    ):
        reading = registry.reading(reading_id)
        readings.append(
            {
                "id": reading_id,
                "answer": answer,
                "question": reading.question,
                "text": reading.text if answer == "adopted" else reading.alternative,
            }
        )
    return {
        "citations": distinct_clauses(decision.get("citations", [])),
        "readings": readings,
        "label": label,
    }


@register.filter
def distinct_clauses(citations):
    """One link per clause: a decision citing three sentences of 三、（二）3 listed the same 《title》（文号）三、（二）3
    three times (the sentence's line is in the link only, never on the page); the first sentence's link stays."""
    seen, kept = set(), []
    for citation in citations or []:
        data = citation.as_dict() if hasattr(citation, "as_dict") else citation
        key = (data.get("document"), data.get("clause"))
        if key not in seen:
            seen.add(key)
            kept.append(citation)
    return kept


@register.filter
def iso_date(value):
    """An ISO date stored in a decision's JSON, as a date (the page prints it in Chinese)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return value
