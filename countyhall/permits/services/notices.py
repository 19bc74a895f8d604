"""What the applicant firm is told: 补正 requested, the application returned or not accepted, the decision,
an extension. In-app to the firm's organisation, and an SMS to the project's contact phone when it is a mobile
number. Written in the caller's transaction (core.notifications.notify), so a rolled-back act tells no one."""

from __future__ import annotations

import re

from countyhall.core.notifications import notify
from countyhall.permits.models import Case

MOBILE = re.compile(r"1[3-9]\d{9}")


def tell_applicant(case: Case, *, subject: str, body: str) -> None:
    project = case.project
    firm = project.applicant
    text = f"{project.name}（项目代码 {project.code}）“{case.stage}”：{body}"
    notify(channel="in_app", recipient=firm.name, organisation=firm, subject=subject, body=text, source=case)
    phone = re.sub(r"[\s-]", "", project.contact_phone or "")
    if MOBILE.fullmatch(phone):
        notify(
            channel="sms",
            recipient=project.project_manager or firm.name,
            address=phone,
            subject=subject,
            body=text,
            source=case,
        )
