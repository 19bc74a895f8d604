"""Small helpers shared by the page views of every program."""

from __future__ import annotations

from django import forms

from countyhall.core.errors import ServiceError


def form_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    label = "" if field else (f"{exc.field}：" if exc.field not in ("actor", "status", "requirements") else "")
    form.add_error(field, label + exc.message)
