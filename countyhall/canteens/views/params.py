"""The canteen pages' query parameters: core's validated parsers, answering in the canteen sub-menu."""

from __future__ import annotations

from countyhall.core.params import (  # noqa: F401 - re-exported for the canteen views
    BadParameter,
    choice_param,
    date_param,
    division_param,
    int_param,
    page_param,
    year_param,
)
from countyhall.core.params import answers_bad_parameters as _answers

answers_bad_parameters = _answers(nav="canteens/_nav.html")
