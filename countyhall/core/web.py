"""Small helpers shared by the page views of every program."""

from __future__ import annotations

from django import forms

from countyhall.core.errors import ServiceError


def form_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    label = "" if field else (f"{exc.field}：" if exc.field not in ("actor", "status", "requirements") else "")
    form.add_error(field, label + exc.message)


def submit_form(request, form: forms.Form, action, *, success: str, invalid: str | None = None,
                errors_prefix: str = "填写有误") -> bool:
    """Run `action(cleaned_data)` for a small POST form and report the outcome as a message.

    `invalid`: the message for an invalid form; None lists the form's errors, "" says nothing.
    """
    from django.contrib import messages

    if not form.is_valid():
        if invalid is None:
            messages.error(request, f"{errors_prefix}：" + "；".join(f"{k}：{v[0]}" for k, v in form.errors.items()))
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
