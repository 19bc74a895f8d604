"""/jobs/: the background jobs a user started (administrators: everyone's), each with its progress and result."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from countyhall.core import jobs
from countyhall.core.errors import ServiceError
from countyhall.core.models import Job
from countyhall.core.services.audit import audit_personal_read


def _job_for(request, pk: int) -> Job:
    """The job, or 404 for a job that is not the user's (its existence is not revealed). Administrators get
    every job's state; its result and file only through `can_view_job_result`."""
    job = Job.objects.select_related("started_by").filter(pk=pk).first()
    if job is None or not jobs.can_view_job_state(request.user, job):
        raise Http404("没有这个任务，或该任务不是您提交的。")
    return job


@login_required
def job_list(request):
    # A dead worker's job is shown failed (with 重试) as soon as its heartbeat is stale, not only once another
    # worker notices.
    jobs.jobs_recover_stale()
    admin = jobs.is_job_admin(request.user)
    state = request.GET.get("state", "")
    kind = request.GET.get("kind", "")
    scope = request.GET.get("scope", "all" if admin else "mine")
    if state and state not in Job.State.values:
        state = ""
    queryset = Job.objects.select_related("started_by", "organisation")
    if not admin or scope == "mine":
        queryset = queryset.filter(started_by=request.user)
    kinds = sorted(set(queryset.values_list("kind", "kind_label").distinct()), key=lambda k: k[1])
    if kind:
        queryset = queryset.filter(kind=kind)
    if state:
        queryset = queryset.filter(state=state)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    rows = [
        {
            "job": job,
            "status": jobs.job_status(job),
            "starter": jobs.job_starter(job),
            "step": jobs.job_step(job),
            "can_retry": jobs.can_retry_job(request.user, job),
            "can_cancel": jobs.can_cancel_job(request.user, job),
        }
        for job in page.object_list
    ]
    kept = urlencode(
        {k: v for k, v in {"state": state, "kind": kind, "scope": scope if admin else ""}.items() if v}
    )
    return render(
        request,
        "core/jobs_list.html",
        {
            "page": page,
            "rows": rows,
            "states": Job.State.choices,
            "kinds": kinds,
            "admin": admin,
            "filters": {"state": state, "kind": kind, "scope": scope},
            "kept_filters": kept,
        },
    )


@login_required
def job_detail(request, pk: int):
    jobs.jobs_recover_stale()
    job = _job_for(request, pk)
    show_result = jobs.can_view_job_result(request.user, job)
    if show_result:
        jobs.job_result_read(actor=request.user, job=job)
    return render(
        request,
        "core/jobs_detail.html",
        {
            "job": job,
            "status": jobs.job_status(job),
            "starter": jobs.job_starter(job),
            "step": jobs.job_step(job),
            "list_url": jobs.job_list_url(job),
            "show_result": show_result,
            "result": (job.result or {}) if show_result else {},
            "can_retry": jobs.can_retry_job(request.user, job),
            "can_cancel": jobs.can_cancel_job(request.user, job),
            "has_file": show_result and jobs.job_result_file(job) is not None,
        },
    )


@never_cache
@require_GET
@login_required
def job_status(request, pk: int):
    jobs.jobs_recover_stale()
    job = _job_for(request, pk)
    return JsonResponse(jobs.job_status(job), json_dumps_params={"ensure_ascii": False})


@require_GET
@login_required
def job_download(request, pk: int):
    job = _job_for(request, pk)
    if not jobs.can_view_job_result(request.user, job):
        raise Http404("该任务的结果文件只有发起人可以下载。")
    path = jobs.job_result_file(job)
    if job.state != Job.State.DONE or path is None:
        raise Http404("该任务没有可下载的文件。")
    # A result file may hold personal data (a ledger export): each download is a staff read, audited.
    audit_personal_read(
        actor=request.user,
        what=f"后台任务结果文件：{job.kind_label}",
        object_type="core.Job",
        object_id=str(job.pk),
        count=int((job.result or {}).get("rows", 0) or 0),
        filters={"job": job.pk, "file": job.result_name},
    )
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name or path.name)


@require_POST
@login_required
def job_action(request, pk: int):
    job = _job_for(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "retry":
            jobs.job_retry(actor=request.user, job=job)
            messages.success(request, "任务已重新排队。")
        elif action == "cancel":
            jobs.job_cancel(actor=request.user, job=job)
            messages.success(request, "任务已取消。")
        else:
            raise ServiceError("action", "操作应为 retry（重试）或 cancel（取消）。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("core:job", pk=job.pk)
