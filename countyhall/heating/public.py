"""The clean-heating part of the public "我能享受哪些补贴" page (core.programs.Program.public_sections).

Every figure is read from the dated parameters through the rules' own ParameterTrace (never written here), and
every row carries the citations of the values it shows, rendered with `citation_link`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from countyhall.core.rules.trace import ParameterTrace
from countyhall.heating.rules import programme_date, programme_year, season_start
from countyhall.heating.templatetags.heating_labels import BUDGET_LABELS


def _ratio_text(ratio: dict) -> str:
    return (
        "：".join(BUDGET_LABELS.get(k, k) for k in ratio) + " = " + "：".join(str(v) for v in ratio.values())
    )


def _yuan(value) -> str:
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _cited(citations) -> list:
    """One citation per clause (a row reads several values of the same clause), in the document's order."""
    seen, result = set(), []
    for citation in sorted(set(citations), key=lambda c: (c.document, c.line)):
        if (citation.document, citation.clause) not in seen:
            seen.add((citation.document, citation.clause))
            result.append(citation)
    return result


def _row(item: str, who: str, standard: str, paid_to: str, trace: ParameterTrace) -> dict:
    citations = _cited(trace.citations)
    return {"item": item, "who": who, "standard": standard, "paid_to": paid_to, "citations": citations}


def device_rows(on: dt.date | None = None) -> list[dict]:
    on = on or programme_date()
    year = programme_year()
    rows = []
    t = ParameterTrace(on)
    rows.append(
        _row(
            "燃气管网及户内设施",
            f"{year}年气代煤改造户",
            f"每户 {_yuan(t.get('heating.gas_network.per_household'))} 元；"
            f"分担 {_ratio_text(t.get('heating.gas_network.split'))}",
            "燃气企业",
            t,
        )
    )
    t = ParameterTrace(on)
    rows.append(
        _row(
            "燃气壁挂炉",
            f"{year}年气代煤改造户",
            f"购买价格的 {t.get('heating.gas_boiler.rate_percent')}%，最高 {_yuan(t.get('heating.gas_boiler.cap'))} 元；"
            f"县政府每户另补 {_yuan(t.get('heating.gas_boiler.county_extra'))} 元",
            "由燃气企业统一结算" if t.adopted("B13") else "改造户",
            t,
        )
    )
    t = ParameterTrace(on)
    rows.append(
        _row(
            "生物质炉具",
            f"{year}年生物质改造户",
            f"购置价格的 {t.get('heating.biomass_stove.rate_percent')}%，最高 "
            f"{_yuan(t.get('heating.biomass_stove.cap'))} 元",
            "设备供货商",
            t,
        )
    )
    return rows


def season_rows(seasons: int | None = None) -> list[dict]:
    """The running subsidies for each heating season of the 2021 households (B8: a number of seasons)."""
    trace = ParameterTrace(programme_date())
    count = seasons or trace.get("heating.running_subsidy.seasons")
    if not seasons and not trace.adopted("B8"):
        count -= 1  # B8's alternative: six calendar years, the last whole season ends in the sixth
    year = programme_year()
    rows = []
    for first in range(year, year + int(count)):
        season = f"{first}-{first + 1}"
        t = ParameterTrace(season_start(season))
        t.get("heating.running_subsidy.seasons", on=programme_date())
        t.answer("B8", on=programme_date())
        gas = (
            f"每立方米 {_yuan(t.get('heating.gas_use.per_m3'))} 元，每户每年最多 "
            f"{_yuan(t.get('heating.gas_use.cap_m3'))} 立方米"
        )
        fuel = (
            f"每吨 {_yuan(t.get('heating.biomass_fuel.per_tonne'))} 元，每户每年最多 "
            f"{_yuan(t.get('heating.biomass_fuel.cap_tonnes'))} 吨"
        )
        split = _ratio_text(t.get("heating.general.split"))
        citations = _cited(t.citations)
        rows.append({"season": season, "gas": gas, "fuel": fuel, "split": split, "citations": citations})
    return rows


def sections(request) -> list[dict]:
    return [
        {
            "title": f"清洁取暖补贴（{programme_year()}年改造户）",
            "template": "heating/_public_subsidies.html",
            "context": {"device_rows": device_rows(), "season_rows": season_rows()},
        }
    ]
