from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from countyhall.core.selectors.notices import notice_list_for_user


@login_required
def notice_list(request):
    return render(request, "core/notice_list.html", {"notices": notice_list_for_user(request.user)})
