"""The clauses the permit rules cite in code lie where they say in the ingested gazette."""

from __future__ import annotations

import pytest

from countyhall.gazette.selectors import clause_for_citation
from countyhall.permits import rules

CITED = [
    rules.FOUR_STAGES,
    rules.MERGED_STAGES,
    rules.NOT_FOR_APPROVAL,
    rules.ASSESSMENT_TIMING,
    rules.REGIONAL_ASSESSMENT,
    rules.PARALLEL_APPROVAL,
]


@pytest.mark.django_db
@pytest.mark.parametrize("citation", CITED, ids=str)
def test_code_citations_resolve(citation):
    clause = clause_for_citation(document_number=citation.document, line=citation.line)
    assert clause is not None and clause.path == citation.clause
