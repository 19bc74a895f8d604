"""Background jobs on the database queue (decision 0009): long work runs in `countyhall worker`, the page shows
a progress bar and then the result.

- A program declares a `JobKind` in `<program>/jobs.py` (code, Chinese label, handler "module:function",
  result template) and submits with `job_submit(actor=…, kind=…, params=…)`. The Job row is written (and
  audited) in the caller's transaction; the queue entry is added when that transaction commits.
- The worker runs `run_job(job_id)`: the handler and the marking of the job as done share one transaction,
  so a job that fails, raises or is killed leaves nothing half-written (its own failure is written after the
  rollback) and can be retried with the same parameters.
- Progress is written beside the work transaction so the page sees it while the work is uncommitted: on
  PostgreSQL through a second connection in autocommit; on SQLite (one writer at a time, and the work holds
  the lock) into a small file under MEDIA_ROOT/jobs/state/. The worker's heartbeat follows the same rule.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import importlib
import json
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.utils import timezone
from django_tasks import task

from countyhall.core.access import require
from countyhall.core.actors import SystemActor, actor_label, actor_user, as_actor
from countyhall.core.clock import local
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry, Job, WorkerHeartbeat
from countyhall.core.params import BadParameter
from countyhall.core.roles import Role
from countyhall.core.services.audit import audit_record

logger = logging.getLogger(__name__)

Progress = Callable[..., None]


def no_progress(done: int, total: int, label: str = "") -> None:
    """The services' default `progress=`: nobody is watching."""


@dataclass(frozen=True)
class JobKind:
    """One kind of long work. `handler` is "module:function", called as
    handler(job=…, actor=…, params=…, progress=…) -> JobOutcome inside the job's transaction."""

    code: str
    label: str
    handler: str
    result_template: str = ""
    # The URL name of the list the job's work lands in (an import's result links to it once applied).
    list_url: str = ""
    # The stored result names people (an import report's names and changes): each look at it is a personal read.
    personal: bool = False

    def __post_init__(self) -> None:
        _KINDS[self.code] = self


_KINDS: dict[str, JobKind] = {}


def job_kind_of(job: Job) -> JobKind | None:
    """The JobKind a stored job was submitted with (its handler's module declares it)."""
    if job.kind not in _KINDS and job.handler:
        try:
            importlib.import_module(job.handler.partition(":")[0])
        except ImportError:
            logger.warning("job %s: handler module %s not importable", job.pk, job.handler)
    return _KINDS.get(job.kind)


@dataclass
class JobOutcome:
    result: dict = field(default_factory=dict)
    message: str = ""
    # (file name shown to the user, content); stored under MEDIA_ROOT/jobs/<id>/. The content may be an open binary
    # file (a ledger written to a temporary file): it is copied in blocks and closed, never read whole.
    file: tuple[str, bytes | IO[bytes]] | None = None
    # Keep the uploaded input after success (a preview whose confirmation runs a second job on it).
    keep_input: bool = False


# ---- who may see and retry ---------------------------------------------------------------------------------


def is_job_admin(user) -> bool:
    return bool(getattr(user, "is_active", False)) and Role.SYSTEM_ADMIN in getattr(user, "role_codes", ())


def _is_starter(user, job: Job) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and job.started_by_id is not None
        and job.started_by_id == user.pk
    )


def can_view_job_state(user, job: Job) -> bool:
    """State, kind, starter, times, progress and error: the starter, and administrators (who keep the queue
    running) for every job."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_job_admin(user) or _is_starter(user, job)


def access_stamp(user) -> str:
    """What a job's result was produced under: the starter's roles, division and organisation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return f"{','.join(sorted(user.role_codes))}|{user.division_id or ''}|{user.organisation_id or ''}"


def can_view_job_result(user, job: Job) -> bool:
    """The result and its file hold what the starter's own role may read (an unmasked ledger, an import's
    names and changes): only the starter sees them, and only while they still hold the roles and scope they had
    when they submitted it (a town officer moved to another town no longer reads the first town's ledger); an
    administrator's role would see them masked or not at all."""
    return _is_starter(user, job) and (not job.access_stamp or job.access_stamp == access_stamp(user))


def can_retry_job(user, job: Job) -> bool:
    """Only the starter: the job runs again as its starter, so nobody else may set it going."""
    return _is_starter(user, job) and job.state in (Job.State.FAILED, Job.State.CANCELLED)


def can_cancel_job(user, job: Job) -> bool:
    """The starter, or an administrator clearing the queue: cancelling writes nothing."""
    return can_view_job_state(user, job) and job.state == Job.State.QUEUED


def can_confirm_job(user, job: Job) -> bool:
    """A preview is confirmed by its starter only (the applying job runs as them), under the access it was made for."""
    return can_view_job_result(user, job)


# ---- files ----------------------------------------------------------------------------------------------------


def _media() -> Path:
    return Path(settings.MEDIA_ROOT)


def job_dir(job: Job) -> Path:
    return _media() / "jobs" / str(job.pk)


def _state_dir() -> Path:
    path = _media() / "jobs" / "state"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def job_input_bytes(job: Job) -> bytes:
    if not job.input_path:
        raise ServiceError("file", "该任务没有上传文件。")
    try:
        return (_media() / job.input_path).read_bytes()
    except OSError:
        raise ServiceError("file", "上传的文件已不在服务器上，请重新上传。") from None


def job_result_file(job: Job) -> Path | None:
    if not job.result_path:
        return None
    path = _media() / job.result_path
    return path if path.is_file() else None


def excel_row_count(content: bytes, *, limit: int | None = None) -> int:
    """Roughly how many data rows an uploaded workbook holds (to choose a job or an immediate import, and the
    elder import's bar while the file is read); an unreadable or oversized file counts as small, so the
    synchronous import reports what is wrong with it.

    This runs in the request: a file over the byte cap is not opened at all. The rows are counted from the
    sheet's row tags (core.excel.sheet_row_count, no cell is read; the sheet's declared dimension is not
    trusted: it may claim a million rows, or none); `limit` caps the answer."""
    from countyhall.core.excel import import_max_bytes, sheet_row_count

    if len(content) > import_max_bytes():
        return 0
    try:
        return sheet_row_count(content, limit=limit)
    except Exception:  # noqa: BLE001 - any unreadable file goes the synchronous way and gets its message there
        return 0


def import_as_job(content: bytes) -> bool:
    threshold = settings.COUNTYHALL_JOB_IMPORT_ROWS
    return excel_row_count(content, limit=threshold + 1) > threshold


# ---- submitting -----------------------------------------------------------------------------------------------


def job_submit(
    *,
    actor,
    kind: JobKind,
    params: dict | None = None,
    input_file: bytes | None = None,
    input_name: str = "",
    message: str = "",
) -> Job:
    """Record the job and put it on the queue once the caller's transaction commits (a rolled-back caller
    leaves neither a job nor a queue entry)."""
    actor = as_actor(actor)
    user = actor_user(actor)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind.code,
            kind_label=kind.label,
            handler=kind.handler,
            result_template=kind.result_template,
            started_by=user,
            started_by_label=actor_label(actor),
            organisation_id=getattr(actor, "organisation_id", None),
            access_stamp=access_stamp(user)[:300],
            params=params or {},
            message=message,
            input_name=input_name[:200],
        )
        if input_file is not None:
            directory = job_dir(job)
            directory.mkdir(parents=True, exist_ok=True)
            suffix = Path(input_name).suffix.lower()[:10] if input_name else ""
            (directory / f"input{suffix}").write_bytes(input_file)
            job.input_path = f"jobs/{job.pk}/input{suffix}"
            job.save(update_fields=["input_path"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            instance=job,
            after={"kind": kind.code, "params": job.params, "input": job.input_name},
            note="提交后台任务",
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    result = run_job.enqueue(job_id=job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))


def job_retry(*, actor, job: Job) -> Job:
    """Run a failed or cancelled job again with the same parameters (and the same uploaded file)."""
    actor = as_actor(actor)
    jobs_recover_stale()
    job.refresh_from_db()
    # The job runs again as its starter: nobody else (not even an administrator) may set it going.
    require(_is_starter(actor, job), "只能重试本人提交的任务。")
    retryable = [Job.State.FAILED, Job.State.CANCELLED]
    with transaction.atomic():
        before = {"state": job.state, "error": job.error}
        # Conditional: two retries racing (or one after the worker already ran the first) change the row once;
        # the loser enqueues nothing, so a done job never runs again.
        updated = Job.objects.filter(pk=job.pk, state__in=retryable).update(
            access_stamp=access_stamp(actor_user(actor))[
                :300
            ],  # it runs again under the starter's access of now
            state=Job.State.QUEUED,
            error="",
            message="已重新排队",
            progress_done=0,
            progress_total=0,
            started_at=None,
            finished_at=None,
            worker_id="",
        )
        if not updated:
            job.refresh_from_db()
            raise ServiceError(
                "state", f"任务当前为“{job.get_state_display()}”，只有失败或已取消的任务可以重试。"
            )
        job.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=job,
            before=before,
            after={"state": job.state},
            note="重试后台任务",
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def job_cancel(*, actor, job: Job) -> Job:
    actor = as_actor(actor)
    require(can_view_job_state(actor, job), "只能取消本人提交的任务（管理员可取消全部任务）。")
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
            state=Job.State.CANCELLED, finished_at=timezone.now(), message="已取消"
        )
        if not updated:
            raise ServiceError("state", "只有排队中的任务可以取消。")
        job.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=job,
            after={"state": job.state},
            note="取消后台任务",
        )
    return job


def job_confirm_preview(*, actor, job: Job, kind: JobKind, params: dict) -> Job:
    """Apply a preview job's file in a second job, once: the preview is claimed with a conditional update (its
    input path cleared), so a double click or two tabs queue one applying job; the input is deleted after."""
    actor = as_actor(actor)
    require(can_confirm_job(actor, job), "只能确认本人提交的导入预览。")
    job.refresh_from_db()
    already = (job.result or {}).get("confirmed_by_job")
    if already:
        raise ServiceError("state", f"该预览已确认过（导入任务 #{already}），不能重复确认。")
    content = job_input_bytes(job)
    stored = job.input_path
    with transaction.atomic():
        claimed = (
            Job.objects.filter(pk=job.pk, state=Job.State.DONE, input_path=stored)
            .exclude(input_path="")
            .update(input_path="")
        )
        if not claimed:
            raise ServiceError("state", "该预览已确认过，不能重复确认。")
        confirmed = job_submit(
            actor=actor, kind=kind, params=params, input_file=content, input_name=job.input_name
        )
        job.refresh_from_db()
        job.result = {**(job.result or {}), "confirmed_by_job": confirmed.pk}
        job.save(update_fields=["result"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            instance=job,
            after={"confirmed_by_job": confirmed.pk},
            note="确认导入预览",
        )
        transaction.on_commit(lambda: (_media() / stored).unlink(missing_ok=True))
    return confirmed


def job_result_read(*, actor, job: Job) -> None:
    """Audit a look at a stored result that names people (decision: every staff read of personal data leaves
    a row), the starter's own included: the job page is a second way to read the import's rows."""
    from countyhall.core.services.audit import audit_personal_read

    kind = job_kind_of(job)
    if kind is None or not kind.personal or job.state != Job.State.DONE:
        return
    result = job.result or {}
    audit_personal_read(
        actor=actor,
        what=f"后台任务结果：{job.kind_label}",
        object_type="core.Job",
        object_id=str(job.pk),
        count=len(result.get("changes") or []) or int(result.get("rows", 0) or 0),
        filters={"job": job.pk},
    )


# ---- retention ------------------------------------------------------------------------------------------------


def jobs_prune_files(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Remove the uploaded input and result files of finished jobs older than COUNTYHALL_JOB_FILES_DAYS: they
    hold the personal data of whole ledgers. The Job row (who ran what, when, with what outcome) stays."""
    now = now or timezone.now()
    days = settings.COUNTYHALL_JOB_FILES_DAYS if days is None else days
    cutoff = now - dt.timedelta(days=days)
    finished = [Job.State.DONE, Job.State.FAILED, Job.State.CANCELLED]
    old = Job.objects.filter(state__in=finished, finished_at__lt=cutoff).exclude(
        input_path="", result_path=""
    )
    pruned = 0
    for job in old.iterator():
        for stored in (job.input_path, job.result_path):
            if stored:
                (_media() / stored).unlink(missing_ok=True)
        shutil.rmtree(job_dir(job), ignore_errors=True)
        pruned += Job.objects.filter(pk=job.pk).update(
            input_path="", result_path="", message=(f"{job.message}（文件已按保存期限删除）")[:200]
        )
    if pruned:
        logger.info("jobs: removed the files of %s finished jobs older than %s days", pruned, days)
    return pruned


# ---- progress -------------------------------------------------------------------------------------------------

# Set by run_job: whether the work transaction is the outermost one (a real worker) or nested inside a
# caller's (a test calling run_job inline), where a second connection would wait on the caller's row lock.
_side_channel_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("job_side_channel_ok", default=False)
_last_write: dict[int, float] = {}
_side_connection = None
_side_lock = threading.Lock()
PROGRESS_INTERVAL = 0.3


def _uses_files() -> bool:
    return connection.vendor == "sqlite"


def _side_execute(sql: str, params: list) -> None:
    """A statement on a second connection in autocommit (PostgreSQL), outside the work transaction."""
    global _side_connection
    with _side_lock:
        if _side_connection is None:
            real = connections[DEFAULT_DB_ALIAS]
            _side_connection = type(real)(dict(real.settings_dict), alias="countyhall_jobs_side")
        try:
            with _side_connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(sql, params)
        except Exception:  # noqa: BLE001 - progress is advisory; the work must not fail for it
            logger.warning("job progress not written", exc_info=True)
            try:
                _side_connection.close()
            finally:
                _side_connection = None


def progress_text(done: int, total: int, label: str = "") -> str:
    """What the user reads beside the bar: the handler's own words in the user's units ("已读取 500 / 1000
    行"), never the internal units the percentage is computed from (an import counts reading and writing
    against twice the rows)."""
    return label or f"已处理 {done} / {total}"


def job_progress(job: Job, done: int, total: int, *, label: str = "", force: bool = False) -> None:
    """Record how far the job has got, visible to the page while the work transaction is still open.
    Throttled to a few writes a second; the last call (done == total) is always written. `done/total` give
    the percentage; `label` (if any) is the text shown, so the message column carries it while running."""
    job.progress_done, job.progress_total = done, total
    text = progress_text(done, total, label)[:200]
    now = time.monotonic()
    if not force and done < total and now - _last_write.get(job.pk, 0.0) < PROGRESS_INTERVAL:
        return
    _last_write[job.pk] = now
    if not _side_channel_ok.get():
        Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total, message=text)
    elif _uses_files():
        _write_json_atomic(
            _state_dir() / f"job-{job.pk}.json", {"done": done, "total": total, "message": text}
        )
    else:
        _side_execute(
            f"UPDATE {Job._meta.db_table} SET progress_done = %s, progress_total = %s, message = %s"
            " WHERE id = %s",
            [done, total, text, job.pk],
        )


def job_status(job: Job) -> dict:
    """What the progress bar polls: state, counts, percentage, message and error (Chinese). The one source
    of a job's progress: the list and the detail page both read it (on SQLite a running job's progress is in
    its state file, not yet in the row)."""
    done, total, message = job.progress_done, job.progress_total, job.message
    if job.state == Job.State.RUNNING and _uses_files():
        try:
            data = json.loads((_state_dir() / f"job-{job.pk}.json").read_text(encoding="utf-8"))
            done, total = int(data["done"]), int(data["total"])
            message = str(data.get("message") or message)
        except (OSError, ValueError, KeyError):
            pass
    percent = 100 if job.state == Job.State.DONE else (min(100, done * 100 // total) if total else 0)
    return {
        "id": job.pk,
        "state": job.state,
        "state_label": job.get_state_display(),
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "error": job.error,
        "finished": job.finished,
    }


# ---- how a job is named on the pages -----------------------------------------------------------------------

# The worker's own actor label (periodic jobs); the pages say who that is in Chinese.
WORKER_ACTOR = "system:worker"


def job_starter(job: Job) -> str:
    """Who started the job, in Chinese: the user's name, or 系统（后台任务） for a periodic job."""
    if job.started_by_id is not None:
        return job.started_by.display_name or job.started_by_label
    label = "后台任务" if job.started_by_label in ("", WORKER_ACTOR) else job.started_by_label
    return f"系统（{label}）"


def job_step(job: Job) -> str:
    """An import is previewed by one job and applied by a second on the same file: the list tells them
    apart ("预览" / "确认导入"). Heating marks its preview `dry_run`; canteens' update mode previews unless
    `confirm`."""
    params = job.params or {}
    if params.get("dry_run") or (params.get("mode") == "update" and not params.get("confirm")):
        return "预览"
    # Heating's confirmation carries the preview's choices (update_existing) without `dry_run`.
    if params.get("confirm") or ("update_existing" in params and not params.get("dry_run")):
        return "确认导入"
    return ""


def job_kind(code: str) -> JobKind | None:
    """The declared JobKind of a stored job's code: registered when its program's `jobs` module is imported;
    otherwise looked up in each installed app's `jobs` module (core imports no program by name)."""
    if code in _KINDS:
        return _KINDS[code]
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.jobs")
        except ImportError:
            continue
    return _KINDS.get(code)


def job_list_url(job: Job) -> str:
    """Where the applied import's rows are listed ("" when the kind names no list or nothing was applied)."""
    from django.urls import NoReverseMatch, reverse

    kind = job_kind(job.kind)
    if (
        kind is None
        or not kind.list_url
        or job.state != Job.State.DONE
        or not (job.result or {}).get("applied")
    ):
        return ""
    try:
        return reverse(kind.list_url)
    except NoReverseMatch:
        return ""


# ---- running --------------------------------------------------------------------------------------------------

CURRENT_WORKER_ID = ""
# The block a job's result file is copied in from its temporary file (a workbook of any size, memory flat).
COPY_BLOCK = 256 * 1024
# Set while this process runs a job: on SQLite the heartbeat thread then leaves the database alone (the job's
# transaction holds the only write lock) and writes only its file.
_busy = threading.Event()


def _handler(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _actor_for(job: Job):
    if job.started_by_id is None:
        return SystemActor(job.started_by_label or "system")
    if not job.started_by.is_active:
        # The job runs as its starter: an account deactivated since it was submitted reads and writes nothing (the
        # filters of a list it rebuilds check roles and scope, not whether the account still may sign in).
        raise ServiceError("actor", "提交任务的用户账号已停用，任务未执行，未读取或写入任何数据。")
    return job.started_by


def _discard_attempt_file(job: Job) -> None:
    """A failed attempt's result file (a copy cut short by a full disk, or written before the work transaction
    failed to commit): the job records no file, so nobody would ever download or prune it."""
    for path in job_dir(job).glob(f"result-{job.attempts}.*"):
        path.unlink(missing_ok=True)


def _fail(job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).update(
        state=Job.State.FAILED,
        error=error[:2000],
        finished_at=timezone.now(),
        message="失败：未写入任何数据，可重试",
    )


@task()
def run_job(job_id: int) -> str:
    """The queue's one task: run the Job's handler. Returns the job's final state."""
    return execute_job(job_id)


def execute_job(job_id: int) -> str:
    started = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
        worker_id=CURRENT_WORKER_ID[:64],
        progress_done=0,
        message="正在处理",
    )
    if not started:
        # Cancelled while queued, or already run (a queue entry handed out twice): nothing to do.
        return Job.objects.filter(pk=job_id).values_list("state", flat=True).first() or "missing"
    from django.db.models import F

    Job.objects.filter(pk=job_id).update(attempts=F("attempts") + 1)
    job = Job.objects.get(pk=job_id)
    (_state_dir() / f"job-{job.pk}.json").unlink(missing_ok=True)
    from countyhall.core.services.policy import governed_refresh

    governed_refresh()  # a long-running worker: the policy changes approved since the last job
    token = _side_channel_ok.set(not connection.in_atomic_block)
    _busy.set()
    try:
        with transaction.atomic():
            if _uses_files() and _side_channel_ok.get():
                # SQLite (WAL): take the write lock before the work's first read. A transaction that read first
                # and writes later fails at once ("database is locked", no waiting) when another connection
                # wrote in between (the worker's periodic jobs, any page's audit row); holding the lock from
                # the start, the others wait for it instead (SQLite has one writer: a page writing during a
                # long import still gives up after its timeout). Readers (the progress poll) never wait in WAL.
                Job.objects.filter(pk=job.pk).update(worker_id=F("worker_id"))
            outcome = _handler(job.handler)(
                job=job,
                actor=_actor_for(job),
                params=job.params,
                progress=lambda done, total, label="": job_progress(job, done, total, label=label),
            )
            _complete(job, outcome)
    except ServiceError as exc:
        logger.info("job %s refused: %s %s", job_id, exc.field, exc.message)
        # The user reads Chinese only: the message names the field and the rule; the code field goes to the log.
        _discard_attempt_file(job)
        _fail(job_id, exc.message)
        return Job.State.FAILED
    except BadParameter as exc:
        # A list rebuilt from its saved query string (an export job) refuses it as the page would: the starter's
        # scope or roles changed since (a town officer moved, a facility no longer theirs), or the rows grew past a
        # limit. The field and the reason, not "任务执行出错".
        logger.info("job %s refused: %s %s", job_id, exc.name, exc.message)
        _discard_attempt_file(job)
        _fail(job_id, f"{exc.label}：{exc.message}")
        return Job.State.FAILED
    except PermissionDenied as exc:
        logger.info("job %s refused: %s", job_id, exc)
        _discard_attempt_file(job)
        _fail(job_id, f"{exc or '当前角色无权办理此事项。'}（提交任务后您的角色或权限已变化）")
        return Job.State.FAILED
    except Exception:  # noqa: BLE001 - any failure of the work is the job's failure, never the worker's
        # The traceback goes to the log only; the user reads what happened and what to do.
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _discard_attempt_file(job)
        _fail(
            job_id,
            "任务执行出错，全部改动已撤销，未写入任何数据。"
            "可以重试；再次失败请联系系统管理员查看服务器日志。",
        )
        return Job.State.FAILED
    finally:
        _busy.clear()
        _side_channel_ok.reset(token)
        _last_write.pop(job_id, None)
    if job.input_path and not outcome.keep_input:
        (_media() / job.input_path).unlink(missing_ok=True)
        Job.objects.filter(pk=job_id).update(input_path="")
    return Job.State.DONE


def _complete(job: Job, outcome: JobOutcome) -> None:
    from countyhall.core.services.audit import json_safe

    job.result = json_safe(outcome.result)
    if outcome.file is not None:
        name, content = outcome.file
        directory = job_dir(job)
        directory.mkdir(parents=True, exist_ok=True)
        stored = f"result-{job.attempts}{Path(name).suffix.lower()[:10]}"
        if isinstance(content, bytes | bytearray):
            (directory / stored).write_bytes(content)
        else:
            with content, (directory / stored).open("wb") as target:
                shutil.copyfileobj(content, target, COPY_BLOCK)
        job.result_path, job.result_name = f"jobs/{job.pk}/{stored}", name[:200]
    job.state, job.finished_at, job.error = Job.State.DONE, timezone.now(), ""
    job.message = (outcome.message or "已完成")[:200]
    if job.progress_total:
        job.progress_done = job.progress_total
    job.save()


# ---- worker heartbeat and recovery ----------------------------------------------------------------------------


def heartbeat_write(*, worker_id: str, started_at: dt.datetime, current_job_id: int | None = None) -> None:
    now = timezone.now()
    if _uses_files():
        _write_json_atomic(
            _state_dir() / f"heartbeat-{worker_id}.json",
            {
                "worker_id": worker_id,
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": started_at.isoformat(),
                "beat_at": now.isoformat(),
            },
        )
        return
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:100],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now,
            "current_job_id": current_job_id,
        },
    )


def heartbeat_remove(worker_id: str) -> None:
    if _uses_files():
        (_state_dir() / f"heartbeat-{worker_id}.json").unlink(missing_ok=True)
    else:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def heartbeats() -> dict[str, dt.datetime]:
    """Every worker's last beat."""
    if _uses_files():
        beats = {}
        for path in _state_dir().glob("heartbeat-*.json"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                beats[data["worker_id"]] = dt.datetime.fromisoformat(data["beat_at"])
            except (OSError, ValueError, KeyError):
                continue
        return beats
    return dict(WorkerHeartbeat.objects.values_list("worker_id", "beat_at"))


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.COUNTYHALL_WORKER_STALE_SECONDS)


def jobs_recover_stale() -> int:
    """Mark failed every running job whose worker has stopped beating (killed, machine restarted): its work
    transaction died with it, so nothing was written, and it may be retried."""
    now = timezone.now()
    beats = heartbeats()
    alive = {worker for worker, at in beats.items() if now - at <= _stale_after()}
    stale = [
        job_id
        for job_id, worker in Job.objects.filter(state=Job.State.RUNNING).values_list("pk", "worker_id")
        if worker not in alive
    ]
    if stale:
        Job.objects.filter(pk__in=stale, state=Job.State.RUNNING).update(
            state=Job.State.FAILED,
            finished_at=now,
            message="失败：后台进程中断，未写入任何数据，可重试",
            error="执行该任务的后台进程已中断（被终止或服务器重启），本次处理已全部撤销，未写入任何数据。请点击“重试”。",
        )
    return len(stale)


def worker_health() -> dict:
    """The /healthz check: ok while some worker beat recently and no running job's worker is silent; fail
    (503) when a job is "running" under a worker whose heartbeat is stale (it died mid-job) or jobs are queued
    with no live worker (nothing will ever run them); warn when no worker beats but nothing waits."""
    now = timezone.now()
    beats = heartbeats()
    recent = {w: at for w, at in beats.items() if now - at <= _stale_after()}
    orphaned = sum(
        1
        for worker in Job.objects.filter(state=Job.State.RUNNING).values_list("worker_id", flat=True)
        if worker not in recent
    )
    if orphaned:
        return {
            "status": "fail",
            "message": f"有 {orphaned} 个“运行中”的任务，其后台进程已无心跳（已中断）：请检查 countyhall worker"
            "（systemd：countyhall-worker.service）；任务将标为失败，可在“后台任务”页面重试",
            "workers": len(recent),
        }
    if recent:
        age = int((now - max(recent.values())).total_seconds())
        return {
            "status": "ok",
            "message": f"后台任务进程运行中（{len(recent)} 个），最近心跳 {age} 秒前",
            "workers": len(recent),
        }
    waiting = Job.objects.filter(state=Job.State.QUEUED).count()
    last = f"，最近心跳于 {local(max(beats.values())):%Y-%m-%d %H:%M:%S}" if beats else ""
    if waiting:
        return {
            "status": "fail",
            "message": f"没有运行中的后台任务进程{last}，已有 {waiting} 个任务在排队等待："
            "请启动 countyhall worker（systemd：countyhall-worker.service）",
            "workers": 0,
        }
    return {
        "status": "warn",
        "message": f"未检测到运行中的后台任务进程{last}：请启动 countyhall worker",
        "workers": 0,
    }


# ---- periodic jobs --------------------------------------------------------------------------------------------


def _kind(path: str) -> JobKind:
    return _handler(path)


def periodic_enqueue(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue each periodic job that is due (COUNTYHALL_PERIODIC_JOBS) and not already waiting or running."""
    now = now or timezone.now()
    submitted = []
    for path, when in settings.COUNTYHALL_PERIODIC_JOBS:
        kind = _kind(path)
        jobs = Job.objects.filter(kind=kind.code)
        if jobs.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists():
            continue
        last = jobs.order_by("-created_at").values_list("created_at", flat=True).first()
        if isinstance(when, int | float):
            due = last is None or now - last >= dt.timedelta(seconds=when)
        else:
            hour, minute = (int(part) for part in str(when).split(":"))
            today_at = local(now).replace(hour=hour, minute=minute, second=0, microsecond=0)
            due = local(now) >= today_at and (last is None or local(last) < today_at)
        if due:
            job_submit(actor=SystemActor("system:worker"), kind=kind, message="定时任务")
            submitted.append(kind.code)
    return submitted


def outbox_dispatch_job(*, job, actor, params, progress) -> JobOutcome:
    from countyhall.core.notifications import outbox_dispatch

    counts = outbox_dispatch(limit=int(params.get("limit", 200)))
    # The result page shows the keys: Chinese, as the message (the CLI keeps the English keys).
    return JobOutcome(
        result={"已发送": counts["sent"], "发送失败": counts["failed"], "无发送通道": counts["no_sender"]},
        message=f"已发送 {counts['sent']}，失败 {counts['failed']}，无发送通道 {counts['no_sender']}",
    )


def jobs_prune_job(*, job, actor, params, progress) -> JobOutcome:
    pruned = jobs_prune_files()
    return JobOutcome(result={"已删除文件的任务": pruned}, message=f"已删除 {pruned} 个过期任务的文件")


JOBS_PRUNE = JobKind(
    "core.jobs_prune",
    "删除过期的后台任务文件",
    "countyhall.core.jobs:jobs_prune_job",
    "core/jobs_result_counts.html",
)

OUTBOX_DISPATCH = JobKind(
    "core.outbox_dispatch",
    "发送短信和邮件（发件箱）",
    "countyhall.core.jobs:outbox_dispatch_job",
    "core/jobs_result_counts.html",
)


AUDIT_EXPORT = JobKind(
    "core.audit_export",
    "导出审计日志（Excel）",
    "countyhall.core.jobs:audit_export_job",
    "core/jobs_result_counts.html",
    personal=True,
)


def audit_export_job(*, job, actor, params, progress) -> JobOutcome:
    """The audit log's Excel export past COUNTYHALL_JOB_EXPORT_ROWS rows: the page's filters, re-read for the
    starter (an auditor still), the page's audit row, the bar counting rows."""
    from countyhall.core.errors import ServiceError
    from countyhall.core.tables import list_request
    from countyhall.core.views.audit import _BadFilter, audit_export_file, audit_export_query

    try:
        entries, filters = audit_export_query(list_request(actor=actor, params=params))
    except _BadFilter as exc:
        raise ServiceError("filters", f"{exc.field}：{exc.message}") from None
    total = entries.count()
    progress(0, total, label=f"已写入 0 / {total} 条")
    count, output = audit_export_file(
        actor=actor,
        entries=entries,
        filters=filters,
        progress=lambda done: progress(done, total, label=f"已写入 {done} / {total} 条"),
    )
    return JobOutcome(
        result={"导出记录": count, "rows": count},
        message=f"已导出 {count} 条审计记录" + (f"（{params['subject']}）" if params.get("subject") else ""),
        file=("审计日志.xlsx", output),
    )


# ---- the worker process ---------------------------------------------------------------------------------------


def run_worker(
    *, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None, schedule: bool = True
) -> None:
    """`countyhall worker`: django-tasks-db's worker loop, plus a heartbeat thread (which also marks the jobs
    of dead workers failed and enqueues the periodic jobs)."""
    global CURRENT_WORKER_ID
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
    CURRENT_WORKER_ID = worker_id
    started_at = timezone.now()
    stop = threading.Event()

    def beat() -> None:
        from django.db import connection as thread_connection

        while not stop.is_set():
            try:
                heartbeat_write(worker_id=worker_id, started_at=started_at)
                if _busy.is_set() and _uses_files():
                    pass
                else:
                    jobs_recover_stale()
                if schedule and not (_busy.is_set() and _uses_files()):
                    periodic_enqueue()
            except OperationalError:
                # SQLite while a job holds the write lock: the heartbeat itself is a file; the rest waits.
                logger.debug("worker housekeeping skipped (database busy)", exc_info=True)
            except Exception:  # noqa: BLE001 - the heartbeat must keep beating
                logger.exception("worker housekeeping failed")
            stop.wait(settings.COUNTYHALL_WORKER_HEARTBEAT_SECONDS)
        thread_connection.close()

    heartbeat_write(worker_id=worker_id, started_at=started_at)
    jobs_recover_stale()
    thread = threading.Thread(target=beat, name="countyhall-heartbeat", daemon=True)
    thread.start()
    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id[:64],
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
        thread.join(timeout=5)
        try:
            heartbeat_remove(worker_id)
        except Exception:  # noqa: BLE001
            logger.warning("heartbeat not removed", exc_info=True)


def job_files_remove(job: Job) -> None:
    shutil.rmtree(job_dir(job), ignore_errors=True)
