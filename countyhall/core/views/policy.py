from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import render

from countyhall.core.policy import parameters
from countyhall.core.reports import excel_response
from countyhall.core.rules import RULES, RuleInputError, calc, rule_catalogue


def parameter_list(request):
    registry = parameters()
    query = request.GET.get("q", "").strip()
    items = [p for p in registry if not query or query in p.name or query in p.label or query in p.description]
    if request.GET.get("format") == "xlsx":
        return excel_response(
            filename="政策参数.xlsx", sheet_title="政策参数",
            headers=["参数", "名称", "取值", "单位", "起始日期", "截止日期", "文号", "条款", "公报行号", "解读"],
            rows=([p.name, p.label, v.value if not isinstance(v.value, dict) else str(v.value), p.unit_label,
                   v.valid_from, v.valid_to, v.citation.document, v.citation.clause, v.citation.line, v.reading or ""]
                  for p in items for v in p.values),
        )
    return render(request, "core/parameter_list.html", {"parameters": items, "query": query,
                                                        "readings": registry.readings})


def parameter_detail(request, name: str):
    registry = parameters()
    try:
        parameter = registry.get(name)
    except KeyError:
        raise Http404(name) from None
    values = [
        {"value": v, "reading": registry.readings.get(v.reading) if v.reading else None}
        for v in parameter.values
    ]
    return render(request, "core/parameter_detail.html", {"parameter": parameter, "values": values})


def reading_list(request):
    return render(request, "core/reading_list.html", {"readings": sorted(parameters().readings.values(),
                                                                          key=lambda r: r.id)})


def calc_page(request):
    """Try any rule: pick it, edit the JSON input, see the result with its citations."""
    catalogue = rule_catalogue()
    selected = request.POST.get("rule") or request.GET.get("rule") or (catalogue[0]["name"] if catalogue else "")
    if selected and selected not in RULES:
        raise Http404(selected)
    entry = next((c for c in catalogue if c["name"] == selected), None)
    input_text = request.POST.get("input") or json.dumps(entry["example"] if entry else {}, ensure_ascii=False,
                                                         indent=2)
    result = error = None
    if request.method == "POST":
        try:
            result = calc(selected, json.loads(input_text))
        except json.JSONDecodeError as exc:
            error = {"field": "(input)", "message": f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列。"}
        except RuleInputError as exc:
            error = {"field": exc.field, "message": exc.message}
    return render(
        request,
        "core/calc.html",
        {
            "catalogue": catalogue,
            "selected": entry,
            "input_text": input_text,
            "result": result,
            "result_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
            "error": error,
            "result_readings": [parameters().readings[r] for r in (result or {}).get("readings", [])],
        },
    )
