"""Terminal devices: one hashed token each, check-ins at their own facility only, nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from countyhall.canteens.models import Lunch, TerminalDevice
from countyhall.canteens.services import facilities as facility_services
from countyhall.canteens.services.terminals import terminal_issue, terminal_revoke, terminal_rotate
from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Organisation

pytestmark = pytest.mark.django_db
URL = "/api/v1/canteens/lunches"


def post(client, token, body, url=URL):
    return client.post(
        url, body, content_type="application/json", headers={"Authorization": f"Terminal {token}"}
    )


@pytest.fixture
def device(filed_world):
    return terminal_issue(
        actor=filed_world["users"]["operator"], facility=filed_world["facility"], name="一号窗口"
    )


def test_token_is_stored_hashed_and_issue_is_audited(device):
    stored = TerminalDevice.objects.get(pk=device.device.pk)
    assert stored.token_hash == hashlib.sha256(device.token.encode()).hexdigest()
    assert device.token not in str(TerminalDevice.objects.filter(pk=stored.pk).values().first())
    entry = AuditEntry.objects.get(object_type="canteens.TerminalDevice", object_id=str(stored.pk))
    assert "token_hash" not in entry.after and entry.note == "发放登记终端令牌"


def test_terminal_checks_in_at_its_facility_as_the_device(client, filed_world, device):
    elder = filed_world["elders"]["same_65"]
    response = post(
        client,
        device.token,
        {
            "facility": filed_world["facility"].pk,
            "identifier": elder.person.id_number,
            "meal_date": "2022-06-15",
        },
    )
    assert response.status_code == 201, response.json()
    lunch = Lunch.objects.get(pk=response.json()["id"])
    assert (
        lunch.terminal_id == device.device.pk and lunch.recorded_by is None and lunch.price == Decimal("8.00")
    )
    audit = AuditEntry.objects.get(object_type="canteens.Lunch", object_id=str(lunch.pk))
    assert audit.actor is None and audit.actor_label == f"terminal:{device.device.pk}"
    device.device.refresh_from_db()
    assert device.device.last_used_at is not None


def test_terminal_cannot_check_in_elsewhere(client, filed_world, device):
    other = facility_services.facility_register(
        actor=filed_world["users"]["town"],
        operator=Organisation.objects.create(
            name="另一运营方", kind="care_organisation", division=filed_world["village_b"]
        ),
        division=filed_world["natural_b"],
        name="青城镇乙村长者助餐服务点",
        kind="service_point",
        model="service_point",
        setting="rural",
        operator_kind="care_org",
        lunch_price=Decimal("6"),
        meal_supplier="配送中心",
        service_start=dt.date(2021, 9, 2),
    )
    response = post(
        client, device.token, {"facility": other.pk, "identifier": "C001", "meal_date": "2022-06-15"}
    )
    assert response.status_code == 403 and response.json()["error"]["field"] == "facility"
    response = post(
        client, device.token, {"facility": other.pk, "lunches": [{"identifier": "C001"}]}, url=URL + "/batch"
    )
    assert response.status_code == 403
    assert not Lunch.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/canteens/facilities",
        "/api/v1/canteens/settlements",
        "/api/v1/canteens/facilities/1/requirements",
    ],
)
def test_terminal_token_opens_no_other_api(client, device, url):
    response = client.get(url, headers={"Authorization": f"Terminal {device.token}"})
    assert response.status_code in (401, 403)


def test_revoked_and_rotated_tokens_stop_working(client, filed_world, device):
    body = {"facility": filed_world["facility"].pk, "identifier": "C001", "meal_date": "2022-06-15"}
    operator = filed_world["users"]["operator"]
    rotated = terminal_rotate(actor=operator, device=device.device)
    assert rotated.token != device.token and rotated.device.name == "一号窗口"
    assert post(client, device.token, body).status_code == 401
    with pytest.raises(ServiceError) as error:
        terminal_revoke(actor=operator, device=rotated.device, reason=" ")
    assert error.value.field == "reason"
    terminal_revoke(actor=operator, device=rotated.device, reason="平板遗失")
    assert post(client, rotated.token, body).status_code == 401
    assert post(client, "not-a-token", body).status_code == 401
    notes = list(
        AuditEntry.objects.filter(object_type="canteens.TerminalDevice").values_list("note", flat=True)
    )
    assert any(n.startswith("更换登记终端令牌") for n in notes) and "停用登记终端：平板遗失" in notes


def test_idempotency_key_of_a_terminal_conflicts_on_a_different_body(client, filed_world, device):
    body = {
        "facility": filed_world["facility"].pk,
        "identifier": "C001",
        "meal_date": "2022-06-15",
        "idempotency_key": "t1:0001",
    }
    assert post(client, device.token, body).status_code == 201
    assert post(client, device.token, body)["Idempotent-Replayed"] == "true"
    other = {**body, "identifier": filed_world["elders"]["same_65"].person.id_number}
    response = post(client, device.token, other)
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "idempotency_key"
    assert "内容不同" in response.json()["error"]["message"]


@pytest.mark.parametrize("user", ["town", "caizheng", "shichang"])
def test_only_operator_and_minzheng_manage_terminals(filed_world, user):
    with pytest.raises(AccessDenied):
        terminal_issue(actor=filed_world["users"][user], facility=filed_world["facility"], name="x")


def test_terminal_page_shows_the_token_once_and_needs_confirmation(client, filed_world):
    url = f"/canteens/facilities/{filed_world['facility'].pk}/terminals/"
    client.force_login(filed_world["users"]["operator"])
    response = client.post(url, {"action": "issue", "name": "二号窗口"})
    html = response.content.decode()
    device = TerminalDevice.objects.get(name="二号窗口")
    assert response.status_code == 200 and 'id="issued-token"' in html
    token = html.split('id="issued-token"')[1].split("<code>")[1].split("</code>")[0]
    assert hashlib.sha256(token.encode()).hexdigest() == device.token_hash
    assert token not in client.get(url).content.decode()
    client.post(url, {"action": "revoke", "device": device.pk, "reason": "测试"})  # no confirmation
    device.refresh_from_db()
    assert device.active
    client.post(url, {"action": "revoke", "device": device.pk, "reason": "测试", "confirm": "on"})
    device.refresh_from_db()
    assert not device.active
    assert client.post(url, {"action": "rotate", "device": "abc", "confirm": "on"}).status_code == 400
    assert client.post(url, {"action": "explode"}).status_code == 400
    client.force_login(filed_world["users"]["town"])
    assert client.get(url).status_code == 403
