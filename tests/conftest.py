from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    """COUNTYHALL_BROWSER_SHARE="k/n" or "j,k/n": keep the browser walks of the files whose position (in name order)
    modulo n is k (or j or k). `scripts/test.sh` runs the two databases side by side and shares the walks between
    them, so each walk runs once per `make test` (docs/decisions/0016-browser-walks-once-per-run.md); unset, every
    walk runs."""
    share = os.environ.get("COUNTYHALL_BROWSER_SHARE", "").strip()
    if not share:
        return
    indices, total = share.split("/")
    wanted, total = {int(index) for index in indices.split(",")}, int(total)
    files = sorted({str(item.path) for item in items if item.get_closest_marker("browser")})
    mine = {path for position, path in enumerate(files) if position % total in wanted}
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("browser") and str(item.path) not in mine else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _governed_policy_reset():
    """The governed-policy snapshot lives in the process; the database under it is rolled back after each test, so
    the snapshot goes back to the YAML defaults too (a change approved in one test must not leak into the next)."""
    yield
    from countyhall.core.policy import governed

    governed.reset()


@pytest.fixture(scope="session")
def gazette_path() -> Path:
    from django.conf import settings

    path = Path(settings.GAZETTE_SEED_PATH)
    assert path.exists(), f"gazette seed not found at {path} (set COUNTYHALL_GAZETTE)"
    return path


@pytest.fixture(scope="session")
def gazette_text(gazette_path) -> str:
    return gazette_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def parsed_gazette(gazette_text):
    from countyhall.gazette.parser import parse_gazette

    return parse_gazette(gazette_text)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, gazette_path):
    """Once per run: check we are on the database we were asked for, seed 2020–2022 and ingest the gazette."""
    from django.db import connection

    required = os.environ.get("COUNTYHALL_REQUIRE_DB")
    if required:
        assert connection.vendor == required, f"expected a {required} database, got {connection.vendor}"
    with django_db_blocker.unblock():
        from countyhall.core.services.calendar import calendar_seed_year
        from countyhall.gazette.services import gazette_ingest

        for year in (2020, 2021, 2022):
            calendar_seed_year(year=year, actor="test-setup")
        gazette_ingest(path=gazette_path, actor="test-setup")


@pytest.fixture
def county_tree(db):
    """The county, two towns, a village with a natural village in each, and one person in each village."""
    from countyhall.core.services.divisions import division_upsert

    county = division_upsert(actor="test", code="370322000000", name="高青县", kind="county", parent=None)
    tianzhen = division_upsert(
        actor="test", code="370322001000", name="田镇街道", kind="street", parent=county
    )
    qingcheng = division_upsert(actor="test", code="370322101000", name="青城镇", kind="town", parent=county)
    village_a = division_upsert(
        actor="test", code="370322001201", name="甲村", kind="village", parent=tianzhen
    )
    village_b = division_upsert(
        actor="test", code="370322101201", name="乙村", kind="village", parent=qingcheng
    )
    natural_b = division_upsert(
        actor="test", code="370322101201001", name="乙庄", kind="natural_village", parent=village_b
    )
    return {
        "county": county,
        "tianzhen": tianzhen,
        "qingcheng": qingcheng,
        "village_a": village_a,
        "village_b": village_b,
        "natural_b": natural_b,
    }


@pytest.fixture
def make_user(db, county_tree):
    from countyhall.core.models import Organisation, RoleGrant, User

    def make(username: str, role: str, scope: str = "county", *, password: str = "pw-for-tests-1"):
        division = county_tree[scope]
        organisation, _ = Organisation.objects.get_or_create(
            name=f"{username} 所在机构", defaults={"kind": "department", "division": division}
        )
        user = User.objects.create_user(
            username=username,
            password=password,
            organisation=organisation,
            division=division,
            display_name=username,
        )
        RoleGrant.objects.create(user=user, role=role)
        return user

    return make


def valid_id(first17: str) -> str:
    from countyhall.core.identity import check_digit

    return first17 + check_digit(first17)


@pytest.fixture
def people(db, county_tree):
    from countyhall.core.services.people import person_register

    return {
        "a": person_register(
            actor="test",
            id_number=valid_id("37032219480512001"),
            name="张秀英",
            division=county_tree["village_a"],
            address="甲村1号",
            phone="13800001111",
        ),
        "b": person_register(
            actor="test",
            id_number=valid_id("37032219561003002"),
            name="王德明",
            division=county_tree["natural_b"],
            address="乙庄2号",
        ),
    }
