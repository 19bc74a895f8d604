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


def _catalogue_for(user) -> list[dict]:
    """Citizens (not signed in) get the rules a program marks public; staff get every rule."""
    return rule_catalogue(public_only=not getattr(user, "is_authenticated", False))


def public_rule_catalogue() -> list[dict]:
    return rule_catalogue(public_only=True)


def calc_page(request):
    """The calculator: pick a rule, fill in its form (generated from the rule's input schema), see the result in
    a Chinese table with why (the clauses and the readings). The JSON input stays, for staff, in 技术信息."""
    from countyhall.core.rules.forms import RuleForm, UnsupportedSchema
    from countyhall.core.rules.present import result_rows

    catalogue = _catalogue_for(request.user)
    names = {c["name"] for c in catalogue}
    default = next((c["name"] for c in catalogue if c["public"]), catalogue[0]["name"] if catalogue else "")
    selected = request.POST.get("rule") or request.GET.get("rule") or default
    if selected not in names:
        raise Http404("没有这项计算，或它不对公众开放。")
    entry = next(c for c in catalogue if c["name"] == selected)
    rule_obj = RULES[selected]
    json_mode = request.method == "POST" and "input" in request.POST
    input_text = request.POST.get("input") or json.dumps(entry["example"], ensure_ascii=False, indent=2)
    try:
        form = RuleForm(entry["input_schema"], request.POST if request.method == "POST" and not json_mode else None,
                        initial=RuleForm.initial_from(entry["example"]))
    except UnsupportedSchema:
        form = None
    result = None
    errors: list[dict] = []
    if request.method == "POST":
        try:
            payload = json.loads(input_text) if json_mode or form is None else form.payload()
            result = calc(selected, payload)
        except json.JSONDecodeError as exc:
            errors = [{"field": "输入（JSON）", "message": f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列。"}]
        except RuleInputError as exc:
            left = form.add_calc_errors(exc.errors) if form is not None and not json_mode else [
                m for _, m in exc.errors]
            errors = [{"field": f, "message": m} for f, m in exc.errors if json_mode or form is None]
            errors += [{"field": "", "message": m} for m in left if not (json_mode or form is None)]
    registry = parameters()
    readings = [registry.readings[r] for r in (result or {}).get("readings", []) if r in registry.readings]
    status = 400 if request.method == "POST" and result is None else 200
    return render(
        request,
        "core/calc.html",
        {
            "catalogue": catalogue,
            "selected": entry,
            "form": form,
            "input_text": input_text,
            "result": result,
            "result_rows": result_rows(result, rule_obj.output_labels) if result else [],
            "result_json": json.dumps(result, ensure_ascii=False, indent=2) if result else "",
            "errors": errors,
            "json_mode": json_mode,
            "result_readings": readings,
        },
        status=status,
    )


def subsidies(request):
    """我能享受哪些补贴: every program's public part (Program.public_sections), for citizens and staff alike."""
    from countyhall.core.programs import registered_programs

    sections = [section for program in registered_programs() for section in program.public_sections_for(request)]
    return render(request, "core/subsidies.html", {"sections": sections, "public_rules": public_rule_catalogue()})
