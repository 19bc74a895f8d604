"""Shared fixtures of the yearly-cycle tests: one user per role of 1号 二、 (two budget units, so scope shows), plan
year 2022 opened, and a helper that writes a complete draft with its three documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhall.core.models import Organisation


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


ANSWERS_NO = {str(kind): False for kind in range(1, 9)}


@pytest.fixture
def egov_users(make_user):
    return {
        "unit": make_user("egov-unit", "budget_unit"),
        "other_unit": make_user("egov-unit-b", "budget_unit"),
        "bigdata": make_user("egov-bigdata", "big_data"),
        "finance": make_user("egov-finance", "finance"),
        "secrecy": make_user("egov-secrecy", "secrecy"),
        "development": make_user("egov-fagai", "development"),
        "government": make_user("egov-gov", "county_government"),
        "reviewer": make_user("egov-reviewer", "egov_reviewer"),
        "audit_office": make_user("egov-audit", "audit_office"),
        "trading": make_user("egov-trading", "trading_centre"),
    }


@pytest.fixture
def plan_year(egov_users, settings):
    from countyhall.egov.services import plan_year_open

    settings.BUSINESS_DATE = dt.date(2021, 9, 15)
    return plan_year_open(actor=egov_users["bigdata"], year=2022)


@pytest.fixture
def draft(egov_users, plan_year):
    """make(**overrides) → a draft of the unit with its three documents."""
    from countyhall.egov.services import application_create, document_upload

    def make(*, actor=None, documents=True, **values):
        actor = actor or egov_users["unit"]
        fields = {
            "name": "智慧社区平台",
            "has_engineering": True,
            "planned_investment": "800000.00",
            "funding": "fiscal_full",
            "declaration": dict(ANSWERS_NO),
            "migration_status": "completed",
            "supports_sharing_platform": True,
            "provides_info_per_rules": True,
            "sharing_needs_specified": True,
        }
        fields.update(values)
        application = application_create(actor=actor, plan_year=plan_year, **fields)
        if documents:
            for number in (1, 2, 3):
                document_upload(
                    actor=actor, application=application, attachment=number, file=pdf(f"附件{number}.pdf")
                )
        return application

    return make


@pytest.fixture
def reviewer_org(egov_users):
    return Organisation.objects.get(pk=egov_users["reviewer"].organisation_id)


@pytest.fixture
def planned(egov_users, plan_year, settings):
    """make(**overrides) → a project of the unit already in the approved annual plan (Application IN_PLAN with its
    co-signed review), as the construction and acceptance services find it; the business date 2022-02-07."""
    from countyhall.egov.models import Application, Review

    def make(*, investment="800000.00", has_engineering=True, **values):
        application = Application.objects.create(
            plan_year=plan_year,
            unit_id=egov_users["unit"].organisation_id,
            name=values.pop("name", "智慧社区平台"),
            has_engineering=has_engineering,
            has_service=not has_engineering,
            planned_investment=Decimal(investment),
            funding="fiscal_full",
            declaration=dict(ANSWERS_NO),
            migration_status="completed",
            supports_sharing_platform=True,
            provides_info_per_rules=True,
            sharing_needs_specified=True,
            status=Application.Status.IN_PLAN,
            submitted_on=dt.date(2021, 9, 15),
            **values,
        )
        Review.objects.create(application=application, approved_investment=Decimal(investment))
        settings.BUSINESS_DATE = dt.date(2022, 2, 7)
        return application

    return make


from tests.egov.performance_fixtures import figures, in_plan  # noqa: E402, F401  (operation and performance fixtures)
