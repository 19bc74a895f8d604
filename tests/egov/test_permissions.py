"""The e-government permission table against the predicates for every role (a role listed may, every other role
may not), and the budget unit's scope: its own organisation only."""

from __future__ import annotations

import pytest

from countyhall.core.roles import Role
from countyhall.egov import access

pytestmark = pytest.mark.django_db

TABLE = {p.action: p for p in access.PERMISSIONS}


def _predicates(app):
    # action → predicate(user) on an application the user's own unit made (scope is tested below)
    return {
        "egov.plan_year_open": access.can_open_plan_year,
        "egov.template_upload": access.can_upload_template,
        "egov.application_write": lambda u: access.can_apply(u) and access.can_edit_application(u, app(u)),
        "egov.application_assess": lambda u: access.can_assess_application(u, app(u)),
        "egov.secrecy_confirm": lambda u: access.can_confirm_secrecy(u, app(u)),
        "egov.development_approval": lambda u: access.can_record_development_approval(u, app(u)),
        "egov.review_start": lambda u: access.can_assess_application(u, app(u)),
        "egov.report_upload": lambda u: access.can_upload_report(u, app(u)),
        "egov.sign_technical": lambda u: access.can_sign_technical(u, app(u)),
        "egov.sign_fiscal": lambda u: access.can_sign_fiscal(u, app(u)),
        "egov.plan_compile": access.can_compile_plan,
        "egov.plan_approve": access.can_approve_plan,
        "egov.construction_build": lambda u: access.can_build(u, app(u)),
        "egov.procurement_review": access.can_review_procurement,
        "egov.procurement_record": access.can_record_procurement,
        "egov.inspect": access.can_inspect,
        "egov.sanction_approve": access.can_approve_sanction,
        "egov.payment_record": access.can_record_payment,
        "egov.accept": access.can_accept,
        "egov.acceptance_sweep": access.can_run_sweep,
        # Operation, performance and the portfolio (三、（五）, 四、).
        "egov.portfolio_view": access.can_view_portfolio,
        "egov.operation_record": lambda u: access.can_record_operation(u, app(u)),
        "egov.performance_evaluate": lambda u: access.can_evaluate_performance(u, app(u)),
        "egov.supplier_rate": lambda u: access.can_rate_supplier(u, app(u)),
        "egov.next_year_decide": access.can_decide_next_year,
    }


def test_every_action_has_a_predicate_and_agrees_for_every_role(make_user, plan_year):
    from countyhall.egov.models import Application, Review

    def app(user):
        # A classified major project of the user's own organisation, under review by the user's organisation.
        application = Application(
            plan_year=plan_year,
            unit_id=user.organisation_id,
            classified=True,
            major_county_project=True,
            status=Application.Status.DRAFT,
        )
        application.review = Review(reviewer_id=user.organisation_id)
        return application

    predicates = _predicates(app)
    assert set(predicates) == set(TABLE)
    for role in Role:
        user = make_user(f"perm-{role.value}", role.value)
        for action, predicate in predicates.items():
            assert predicate(user) is (role.value in TABLE[action].allowed), (action, role.value)


def test_a_budget_unit_acts_for_its_own_organisation_only(egov_users, draft):
    app = draft()
    assert access.can_edit_application(egov_users["unit"], app)
    assert not access.can_edit_application(egov_users["other_unit"], app)
    assert not access.own_unit(egov_users["bigdata"], app)


def test_roles_of_the_cycle_open_the_program_and_others_do_not():
    assert {
        Role.BUDGET_UNIT,
        Role.BIG_DATA,
        Role.FINANCE,
        Role.SECRECY,
        Role.COUNTY_GOVERNMENT,
        Role.EGOV_REVIEWER,
        Role.AUDIT_OFFICE,
        Role.DEVELOPMENT,
        Role.TRADING_CENTRE,
    } <= access.USERS
    assert not {Role.CANTEEN_OPERATOR, Role.APPLICANT_FIRM, Role.POWER_ENTERPRISE} & access.USERS


def test_a_budget_unit_records_the_operation_of_its_own_project_only(egov_users, draft):
    app = draft()
    assert access.can_record_operation(egov_users["unit"], app)
    assert not access.can_record_operation(egov_users["other_unit"], app)
    assert not access.can_view_ratings(egov_users["unit"]) and access.can_view_ratings(
        egov_users["audit_office"]
    )
