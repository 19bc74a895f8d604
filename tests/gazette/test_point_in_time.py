"""A document "as in force on D" goes by legal dates (issue 15): an amended text is in force from the amendment's
effective date, whenever it was typed in; the ingest date is only the record's own history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from countyhall.core.errors import ServiceError
from countyhall.core.roles import Role
from countyhall.gazette import register, selectors, services
from countyhall.gazette.models import Document, DocumentVersion

CANTEENS = "高政办发〔2021〕2号"  # in force from 2021-09-02
CAUSE = "高政办发〔2021〕3号"  # the amending document in these tests (dated 2021-08-09)


@pytest.mark.parametrize(
    ("on", "version"),
    [
        (dt.date(2021, 1, 1), 1),  # before any began: the first
        (dt.date(2021, 9, 2), 1),
        (dt.date(2021, 12, 31), 1),
        (dt.date(2022, 1, 1), 2),
        (dt.date(2022, 6, 1), 3),  # two versions beginning the same day: the later one
    ],
)
def test_version_on_goes_by_legal_start(on, version):
    starts = [
        (1, dt.date(2021, 9, 2)),
        (2, dt.date(2022, 1, 1)),
        (3, dt.date(2022, 6, 1)),
        (4, dt.date(2022, 6, 1)),
    ]
    assert register.version_on(starts[:3], on) == version


def test_version_on_without_versions():
    assert register.version_on([], dt.date(2022, 1, 1)) is None


def _second_text(ingested: dt.date) -> Document:
    """2号 with a second text, typed in on `ingested`."""
    document = Document.objects.get(number=CANTEENS)
    first = document.versions.get(version=1)
    second = DocumentVersion.objects.create(
        document=document,
        version=2,
        text_sha256="amended",
        fingerprint="amended",
        title=first.title,
        date=first.date,
        body=first.body.replace("助餐", "助餐（修改）", 1),
    )
    moment = timezone.make_aware(dt.datetime.combine(ingested, dt.time(10)))
    DocumentVersion.objects.filter(pk=second.pk).update(ingested_at=moment)
    Document.objects.filter(pk=document.pk).update(version=2)
    return Document.objects.get(pk=document.pk)


@pytest.fixture
def admin(make_user):
    return make_user("pit-admin", Role.SYSTEM_ADMIN)


def _amend(admin, *, date: dt.date, version: int | None = 2):
    return services.event_record(
        actor=admin,
        number=CANTEENS,
        kind="amended",
        date=date,
        cause_number=CAUSE,
        clauses=["五、（一）"],
        version=version,
    )


@pytest.mark.django_db
def test_an_amendment_ingested_late_is_in_force_from_its_legal_date(admin):
    # typed in on 2022-05-10, in force from 2022-01-01: on 2022-03-01 the amended text is the law
    document = _second_text(dt.date(2022, 5, 10))
    _amend(admin, date=dt.date(2022, 1, 1))
    point = selectors.document_as_of(document, dt.date(2022, 3, 1))
    assert point.version.version == 2
    assert point.version_start.start == dt.date(2022, 1, 1)
    assert (
        "高政办发〔2021〕3号修改" in point.version_start.basis and "2022年1月1日" in point.version_start.basis
    )
    assert selectors.document_as_of(document, dt.date(2021, 12, 31)).version.version == 1


@pytest.mark.django_db
def test_an_amendment_ingested_early_is_not_in_force_before_its_legal_date(admin):
    # typed in on 2021-12-01, in force only from 2022-06-01: on 2022-03-01 the first text still holds
    document = _second_text(dt.date(2021, 12, 1))
    _amend(admin, date=dt.date(2022, 6, 1))
    point = selectors.document_as_of(document, dt.date(2022, 3, 1))
    assert point.version.version == 1 and point.version_start.start == dt.date(2021, 9, 2)
    assert [s.version.version for s in point.later_versions] == [2]
    assert [e.version for e in point.later if e.kind == "amended"] == [2]
    assert selectors.document_as_of(document, dt.date(2022, 6, 1)).version.version == 2


@pytest.mark.django_db
def test_a_text_no_amendment_names_keeps_its_ingest_date_and_says_so():
    document = _second_text(dt.date(2022, 5, 10))
    point = selectors.document_as_of(document, dt.date(2022, 6, 1))
    assert point.version.version == 2 and "按导入日期2022年5月10日计" in point.version_start.basis
    assert selectors.document_as_of(document, dt.date(2022, 3, 1)).version.version == 1


@pytest.mark.django_db
def test_the_page_banner_names_the_legal_date(client, admin):
    document = _second_text(dt.date(2022, 5, 10))
    _amend(admin, date=dt.date(2022, 1, 1))
    html = client.get(document.get_absolute_url(), {"on": "2022-03-01"}).content.decode()
    assert "文本为第2版" in html and "自2022年1月1日起施行" in html
    early = client.get(document.get_absolute_url(), {"on": "2021-12-01"}).content.decode()
    assert "文本为第1版" in early and "第2版文本施行" in early


@pytest.mark.django_db
def test_the_api_gives_the_version_and_its_legal_date(client, admin):
    document = _second_text(dt.date(2022, 5, 10))
    _amend(admin, date=dt.date(2022, 1, 1))
    data = client.get(f"/api/v1/gazette/uri{document.uri}", {"on": "2022-03-01"}).json()
    assert data["version"] == 2 and data["version_from"] == "2022-01-01"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("version", "words"),
    [(1, "第1版是原文"), (4, "下一版（第3版）")],
)
def test_the_amended_text_must_be_a_later_version(admin, version, words):
    _second_text(dt.date(2022, 5, 10))
    with pytest.raises(ServiceError) as refused:
        _amend(admin, date=dt.date(2022, 1, 1), version=version)
    assert refused.value.field == "version" and words in refused.value.message


@pytest.mark.django_db
def test_one_text_is_brought_in_by_one_amendment(admin):
    _second_text(dt.date(2022, 5, 10))
    _amend(admin, date=dt.date(2022, 1, 1))
    with pytest.raises(ServiceError) as refused:
        _amend(admin, date=dt.date(2022, 2, 1))
    assert (
        refused.value.field == "version"
        and "已登记为高政办发〔2021〕3号修改后的文本" in refused.value.message
    )


@pytest.mark.django_db
def test_a_clause_read_on_a_day_shows_the_words_in_force_then(client, admin):
    # the current text is version 2 (amended from 2022-01-01); on 2021-12-01 the clause reads as in version 1
    document = _second_text(dt.date(2022, 5, 10))
    first = document.versions.get(version=1)
    clause = document.clauses.get(path="五、（一）")
    parsed = dict(first.parsed)
    parsed["clauses"] = [
        {**c, "text": "第1版的条文"} if c["path"] == "五、（一）" else c for c in parsed.get("clauses", [])
    ]
    DocumentVersion.objects.filter(pk=first.pk).update(parsed=parsed)
    _amend(admin, date=dt.date(2022, 1, 1))
    then = client.get(clause.get_absolute_url(), {"on": "2021-12-01"}).content.decode()
    assert 'id="text-then"' in then and "第1版的条文" in then
    now = client.get(clause.get_absolute_url(), {"on": "2022-03-01"}).content.decode()
    assert 'id="text-then"' not in now
