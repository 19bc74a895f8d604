"""A confirmation step before an irreversible act (record a death, void a lunch, approve and lock, batch
approval): the first POST shows what will happen and carries the posted fields on; only the second, with
confirmed=1, acts. A server page rather than a script dialog, so it works without JavaScript under the CSP."""

from __future__ import annotations

from django.shortcuts import render

SKIP = {"csrfmiddlewaretoken", "confirmed"}


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def confirm_page(
    request, *, title: str, lines: list[str], action: str, back: str, warning: str = "", status: int = 200
):
    hidden = [
        (name, value) for name in request.POST for value in request.POST.getlist(name) if name not in SKIP
    ]
    return render(
        request,
        "canteens/confirm.html",
        {
            "title": title,
            "lines": lines,
            "action": action,
            "back": back,
            "hidden": hidden,
            "warning": warning,
            "target": request.path,
        },
        status=status,
    )
