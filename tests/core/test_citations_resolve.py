"""Every citation in the parameter files points at a real clause of the ingested gazette."""

from __future__ import annotations

import pytest

from countyhall.core.policy import parameters
from countyhall.gazette.selectors import clause_for_citation


def all_citations():
    registry = parameters()
    for parameter in registry:
        for value in parameter.values:
            yield f"{parameter.name}@{value.valid_from}", value.citation
    for reading in registry.readings.values():
        if reading.citation:
            yield f"reading {reading.id}", reading.citation


@pytest.mark.django_db
@pytest.mark.parametrize(("where", "citation"), list(all_citations()), ids=lambda v: v if isinstance(v, str) else "")
def test_citation_resolves_to_its_clause(where, citation):
    by_line = clause_for_citation(document_number=citation.document, line=citation.line)
    assert by_line is not None, f"{where}: no clause holds line {citation.line} of {citation.document}"
    assert by_line.path == citation.clause, f"{where}: line {citation.line} is in {by_line.path}, not {citation.clause}"
