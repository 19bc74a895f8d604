"""Choosers staff know: a division (town → village) or organisation select, grouped and searchable.

The choices are grouped as `<optgroup>`s (each town with its villages; each area with its organisations), so a
plain `<select>` already reads as a hierarchy and works without JavaScript. `static/countyhall/searchable-select.js`
adds a text box above every `select[data-searchable]` that filters the options as one types (by name or by the
town's name) — no library, nothing fetched.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from countyhall.core.models import Division, Organisation

LEVEL_TOWN = 2


class SearchableSelect(forms.Select):
    """A select with `data-searchable` (the static JS adds the filter box). Use with grouped choices."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-searchable": "", **(attrs or {})}, choices)

    def render(self, name, value, attrs=None, renderer=None):
        """The same <select> Django's template renders, written directly: the county's chooser holds 600+
        divisions or 300 organisations, and rendering each <option> through the widget templates took about
        0.5 ms an option (the emergency registers page spent 0.5 s in two choosers, docs/benchmarks.md)."""
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = {str(v) for v in self.format_value(value)}
        selected_one = False

        def option(option_value, label) -> str:
            nonlocal selected_one
            text = "" if option_value is None else str(option_value)
            selected = text in chosen and (self.allow_multiple_selected or not selected_one)
            if selected:
                selected_one = True
            return format_html(
                '<option value="{}"{}>{}</option>', text, mark_safe(" selected") if selected else "", label
            )

        # In the order Django's attrs.html writes them (flatatt would sort them); True: the name alone.
        written = "".join(
            format_html(" {}", key) if item is True else format_html(' {}="{}"', key, item)
            for key, item in final_attrs.items()
            if item is not False and item is not None
        )
        parts = [format_html("<select{}>", mark_safe(written))]
        for group_value, group_label in self.choices:
            if isinstance(group_label, list | tuple):
                parts.append(format_html('<optgroup label="{}">', group_value))
                parts.extend(option(v, label) for v, label in group_label)
                parts.append(mark_safe("</optgroup>"))
            else:
                parts.append(option(group_value, group_label))
        parts.append(mark_safe("</select>"))
        return mark_safe("\n".join(parts))

    class Media:
        js = ("countyhall/searchable-select.js",)


def division_choices(
    *, scope: Division | None = None, include_natural: bool = False, blank: str = "全部区划"
) -> list:
    """[(town name, [(town id, "某镇（全镇）"), (village id, village name), …]), …] within `scope` (the user's data
    range; None: the whole county). A scope at a town or below is one group; the county itself comes first."""
    divisions = Division.objects.order_by("path")
    if scope is not None:
        divisions = divisions.filter(path__startswith=scope.path)
    if not include_natural:
        divisions = divisions.exclude(kind=Division.Kind.NATURAL_VILLAGE)
    rows = list(divisions.only("pk", "name", "kind", "path", "parent_id"))
    by_path = {row.path: row for row in rows}
    groups: dict[str, tuple[str, list]] = {}
    loose: list = [("", blank)] if blank is not None else []
    for row in rows:
        if row.level < LEVEL_TOWN:
            loose.append((row.pk, f"{row.name}（全县）"))
            continue
        town_path = "/".join(row.path.split("/")[: LEVEL_TOWN + 1]) + "/"
        town = by_path.get(town_path)
        # Below a town (a village clerk's scope) the town is absent: everything shares one group, named after
        # the first row seen (the scope itself), instead of one group per natural village.
        key = town_path
        label = town.name if town is not None else row.name
        group = groups.setdefault(key, (label, []))
        if row.level == LEVEL_TOWN:
            group[1].append((row.pk, f"{row.name}（全{row.get_kind_display()}）"))
        else:
            indent = "　" * max(0, row.level - LEVEL_TOWN - 1)
            group[1].append((row.pk, f"{indent}{row.name}"))
    return loose + [(label, options) for label, options in groups.values()]


def organisation_choices(*, blank: str = "全部机构") -> list:
    """Organisations grouped by their area (县直部门 and enterprises under the county, town offices by town)."""
    groups: dict[str, list] = {}
    for organisation in Organisation.objects.select_related("division").order_by("division__path", "name"):
        area = organisation.division.name if organisation.division_id else "其他"
        groups.setdefault(f"{area}·{organisation.get_kind_display()}", []).append(
            (organisation.pk, organisation.name)
        )
    return ([("", blank)] if blank is not None else []) + list(groups.items())


def use_grouped(field: forms.ModelChoiceField, choices: list, *, blank: str = "---------") -> None:
    """Show a ModelChoiceField as grouped, searchable `choices` (division_choices / organisation_choices), keeping
    only what its queryset (already scoped by the view or form) accepts; the field still validates the POST."""
    allowed = set(field.queryset.values_list("pk", flat=True))
    shown: list = [("", blank)]
    for label, options in choices:
        if not isinstance(options, list):  # a loose option (the county itself), not a group
            if label in allowed:
                shown.append((label, options))
            continue
        options = [(pk, name) for pk, name in options if pk in allowed]
        if options:
            shown.append((label, options))
    widget = SearchableSelect(attrs=field.widget.attrs)
    widget.is_required = field.widget.is_required
    widget.choices = shown
    field.widget = widget


class DivisionChoiceField(forms.TypedChoiceField):
    """A division chosen within the user's scope, as a Division."""

    widget = SearchableSelect

    def __init__(self, *, scope: Division | None = None, include_natural: bool = False, **kwargs):
        kwargs.setdefault("label", "区划")
        super().__init__(
            choices=division_choices(scope=scope, include_natural=include_natural),
            coerce=lambda pk: Division.objects.get(pk=int(pk)),
            empty_value=None,
            **kwargs,
        )
