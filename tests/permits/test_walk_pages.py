"""Pages found broken in the role walk (session 20)."""

from __future__ import annotations

import datetime as dt

import pytest

from countyhall.core.models import Organisation
from countyhall.permits.models import Project


@pytest.mark.django_db
def test_the_handover_list_links_a_project_only_for_who_can_open_it(client, world, county_tree, make_user):
    """C12's overdue handover list on the reports page is read by 县民政局, which holds none of the projects: the
    project's name linked to a page that answered 404."""
    project = world["project"]
    Project.objects.filter(pk=project.pk).update(households=350, completion_filed_on=dt.date(2021, 12, 1))
    civil = make_user("mz-walk", "civil_affairs")
    civil.organisation = Organisation.objects.create(
        name="县民政局", kind="department", division=county_tree["county"]
    )
    civil.save()
    href = f'href="/permits/p/{project.pk}/"'
    client.force_login(civil)
    html = client.get("/permits/reports/").content.decode()
    assert project.code in html and href not in html
    assert client.get(f"/permits/p/{project.pk}/").status_code == 404
    client.force_login(world["users"]["approval"])
    assert href in client.get("/permits/reports/").content.decode()
