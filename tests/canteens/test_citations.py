"""Every clause the canteen system cites in code lies where it says in the ingested gazette."""

from __future__ import annotations

import pytest

from countyhall.canteens import citations
from countyhall.gazette.selectors import clause_for_citation


@pytest.mark.django_db
@pytest.mark.parametrize("citation", citations.ALL, ids=str)
def test_code_citations_resolve(citation):
    clause = clause_for_citation(document_number=citation.document, line=citation.line)
    assert clause is not None and clause.path == citation.clause
