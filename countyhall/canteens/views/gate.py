"""The program's door: every staff page of the 助餐服务系统 asks `access.can_open` first.

Applied in urls.py around each staff view (the public page and the terminal API stay outside), like heating's
`_need`, so a role outside the program's set (住建, 审批, a firm…) gets 403 on every page, whatever capability
(person.view) it holds elsewhere."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from countyhall.canteens import access


def program_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # An anonymous visitor goes on to the view's login_required (the redirect to the sign-in page).
        if request.user.is_authenticated and not access.can_open(request.user):
            raise PermissionDenied("您无权使用助餐服务系统。")
        return view(request, *args, **kwargs)

    return wrapped
