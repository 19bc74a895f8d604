"""Small helpers shared by the page views of every program."""

from __future__ import annotations

from django import forms

from countyhall.core.errors import ServiceError


def is_ascii_int(text: str) -> bool:
    """Digits 0-9 only. str.isdigit() alone also accepts ² and other Unicode digits, which int() refuses."""
    return text.isascii() and text.isdigit()


def form_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    label = (
        "" if field else (f"{exc.field}：" if exc.field not in ("actor", "status", "requirements") else "")
    )
    form.add_error(field, label + exc.message)


def submit_form(
    request,
    form: forms.Form,
    action,
    *,
    success: str,
    invalid: str | None = None,
    errors_prefix: str = "填写有误",
) -> bool:
    """Run `action(cleaned_data)` for a small POST form and report the outcome as a message.

    `invalid`: the message for an invalid form; None lists the form's errors, "" says nothing.
    """
    from django.contrib import messages

    if not form.is_valid():
        if invalid is None:
            messages.error(
                request, f"{errors_prefix}：" + "；".join(f"{k}：{v[0]}" for k, v in form.errors.items())
            )
        elif invalid:
            messages.error(request, invalid)
        return False
    try:
        action(form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def save_form(request, form: forms.Form, action, *, success: str) -> bool:
    """For a page's main form: run `action(cleaned_data)` if the form is valid; a service's refusal is shown
    next to the field it names. True when saved (the caller redirects)."""
    from django.contrib import messages

    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ServiceError as exc:
        form_error(form, exc)
        return False
    messages.success(request, success)
    return True


class PostActions:
    """The named POST actions of one detail page. A handler takes (request, obj) and returns the message to
    show, or raises ServiceError; the page then redirects back to itself (and to the anchor posted)."""

    def __init__(self) -> None:
        self.handlers: dict = {}

    def __call__(self, name: str):
        def register(handler):
            self.handlers[name] = handler
            return handler

        return register

    def run(self, request, obj, *, url: str):
        from django.contrib import messages
        from django.shortcuts import redirect

        handler = self.handlers.get(request.POST.get("action", ""))
        if handler is None:
            messages.error(request, "未知的操作。")
        else:
            try:
                messages.success(request, handler(request, obj))
            except ServiceError as exc:
                messages.error(request, exc.message)
        anchor = request.POST.get("anchor", "")
        return redirect(url + (anchor if anchor.startswith("#") else ""))


def form_data(form: forms.Form) -> dict:
    """The cleaned data of a small action form, or a ServiceError naming each bad field by its label."""
    if form.is_valid():
        return form.cleaned_data
    field = next(iter(form.errors))
    raise ServiceError(
        field,
        "；".join(
            f"{form.fields[name].label if name in form.fields else ''}：{errors[0]}"
            for name, errors in form.errors.items()
        ),
    )


def posted_id(value, label: str) -> int:
    """An object id posted by a form; anything but ASCII digits is refused naming the field (never a 500)."""
    text = str(value or "").strip()
    if not is_ascii_int(text) or len(text) > 18:
        raise ServiceError(label, f"{label}应为编号。")
    return int(text)


def bad_request(request, *, field: str, message: str, nav: str = ""):
    """Refuse a request's input with 400 naming the field: JSON for the API, a page for everyone else.

    Used for query parameters that do not parse (a division id that is not a number, a date that is not a
    date) so that bad input never reaches the database as a 500.
    """
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        # "errors" too: the calc API documents every error at once (CalcError), the others ignore it.
        detail = {"field": field, "message": message}
        return JsonResponse(
            {"error": detail, "errors": [detail]}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    # `nav`: the program's sub-menu template, so the page keeps its place in the program.
    return render(
        request, "core/bad_request.html", {"field": field, "message": message, "nav": nav}, status=400
    )
