"""Demo-like data and one API token per role, for the schema and fuzz tests.

The demo takes seconds to load and the fuzz test runs once per API operation, so it is loaded once per
module inside an outer transaction that is rolled back at the end (the pattern of Django's
TestCase.setUpTestData): each test's own transaction is a savepoint inside it, so nothing leaks into other
modules' tests.
"""

from __future__ import annotations

import importlib

import pytest

PROGRAMS = ("canteens", "heating", "permits", "emergency")


def _load_demo() -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    from countyhall.core.demo import demo_load
    from countyhall.core.models import Division, Organisation, RoleGrant, User
    from countyhall.core.roles import Role

    demo_load(actor="test-demo")
    for app in PROGRAMS:
        importlib.import_module(f"countyhall.{app}.demo").load(actor="test-demo")
    tokens = {}
    for role in Role:
        grant = RoleGrant.objects.filter(role=role).select_related("user").order_by("user__username").first()
        if grant is None:  # a role the demo has no account for still gets one
            county = Division.objects.filter(parent=None).first()
            organisation = Organisation.objects.create(
                name=f"{role.label}（测试）", kind="department", division=county
            )
            user = User.objects.create_user(
                username=f"role-{role.value}",
                password="pw-for-tests-1",
                organisation=organisation,
                division=county,
                display_name=role.label,
            )
            RoleGrant.objects.create(user=user, role=role)
        else:
            user = grant.user
        tokens[role.value] = Token.objects.get_or_create(user=user)[0].key
    return tokens


@pytest.fixture(scope="module")
def module_demo(django_db_setup, django_db_blocker):
    """role code → a DRF token of a demo user holding that role; the demo rolled back after the module."""
    from django.db import connections, transaction

    with django_db_blocker.unblock():
        atomics = {alias: transaction.atomic(using=alias) for alias in connections}
        for atomic in atomics.values():
            atomic.__enter__()
        try:
            yield _load_demo()
        finally:
            for alias, atomic in reversed(list(atomics.items())):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)


@pytest.fixture
def role_tokens(module_demo, db) -> dict[str, str]:
    return module_demo


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """schemathesis calls the WSGI handler directly, whose request signals close "old" connections; inside a
    test's transaction Django counts the PostgreSQL connection as obsolete (autocommit is off) and closes it,
    ending the test's transaction. Django's own test client disconnects the same handlers."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
