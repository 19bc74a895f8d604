"""Warnings as CAP 1.2 alerts (OASIS Common Alerting Protocol), so other alerting systems can take them.

Element order follows the CAP 1.2 schema; times carry their offset and no fractions, as CAP requires.
An update or cancellation refers to the alert it changes by "sender,identifier,sent".
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils import timezone

from countyhall.emergency.models import Warning

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "emergency@gaoqing.countyhall"
COUNTY_GEOCODE = "370322"  # GB/T 2260 code of 高青县
SEVERITY = {"I": "Extreme", "II": "Severe", "III": "Moderate", "IV": "Minor"}
COLOUR_NAMES = {"红色": "Red", "橙色": "Orange", "黄色": "Yellow", "蓝色": "Blue"}


def cap_time(value: dt.datetime) -> str:
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def warning_cap_xml(warning: Warning) -> bytes:
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", warning.identifier)
    _sub(alert, "sender", SENDER)
    _sub(alert, "sent", cap_time(warning.sent_at))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", warning.msg_type)
    _sub(alert, "scope", "Public")
    if warning.previous_id:
        previous = warning.previous
        _sub(alert, "references", f"{SENDER},{previous.identifier},{cap_time(previous.sent_at)}")
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN")
    _sub(info, "category", "Safety")
    _sub(info, "event", warning.event)
    _sub(info, "responseType", "AllClear" if warning.msg_type == Warning.MsgType.CANCEL else "Prepare")
    _sub(info, "urgency", warning.urgency)
    _sub(info, "severity", SEVERITY[warning.level])
    _sub(info, "certainty", warning.certainty)
    code = _sub(info, "eventCode")
    _sub(code, "valueName", "GAOQING-WARNING-LEVEL")
    _sub(code, "value", warning.level)
    _sub(info, "effective", cap_time(warning.sent_at))
    if warning.expires_at:
        _sub(info, "expires", cap_time(warning.expires_at))
    _sub(info, "senderName", warning.sender_name)
    _sub(info, "headline", warning.headline)
    _sub(info, "description", warning.description)
    if warning.instruction:
        _sub(info, "instruction", warning.instruction)
    parameter = _sub(info, "parameter")
    _sub(parameter, "valueName", "WarningColour")
    _sub(parameter, "value", COLOUR_NAMES.get(warning.colour, warning.colour))
    area = _sub(info, "area")
    _sub(area, "areaDesc", warning.area)
    geocode = _sub(area, "geocode")
    _sub(geocode, "valueName", "GB/T 2260")
    _sub(geocode, "value", COUNTY_GEOCODE)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)
