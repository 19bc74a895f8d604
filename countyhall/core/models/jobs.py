"""Background jobs as the pages show them (countyhall.core.jobs; decision 0009).

The queue itself is django-tasks-db's table (DBTaskResult); a Job is our own row around one piece of long work:
who started it, what it is in Chinese, how far it has got, and what came out (an import report, a file).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .divisions import Organisation


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("任务类型代码", max_length=64, db_index=True)
    kind_label = models.CharField("任务类型", max_length=64)
    handler = models.CharField("处理函数", max_length=200)
    result_template = models.CharField("结果模板", max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_by_label = models.CharField("发起人（记录时）", max_length=150)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="发起人所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The starter's roles, division and organisation when the job was submitted (core.jobs.access_stamp): its result
    # was produced for that access and is shown only while the starter still holds it.
    access_stamp = models.CharField("发起时的权限", max_length=300, blank=True)
    state = models.CharField(
        "状态", max_length=12, choices=State.choices, default=State.QUEUED, db_index=True
    )
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("说明", max_length=200, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    input_path = models.CharField("输入文件", max_length=300, blank=True)
    input_name = models.CharField("输入文件名", max_length=200, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    result_path = models.CharField("结果文件", max_length=300, blank=True)
    result_name = models.CharField("结果文件名", max_length=200, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)
    task_id = models.CharField("队列任务编号", max_length=64, blank=True)
    worker_id = models.CharField("执行进程", max_length=64, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["started_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind_label}（{self.get_state_display()}）"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED, self.State.CANCELLED)


class WorkerHeartbeat(models.Model):
    """One row per `countyhall worker` process, rewritten every few seconds (PostgreSQL; on SQLite, where the
    job's write transaction holds the only write lock, the heartbeat is a small file instead)."""

    worker_id = models.CharField("进程编号", max_length=64, primary_key=True)
    hostname = models.CharField("主机", max_length=100)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间")
    beat_at = models.DateTimeField("最近心跳", db_index=True)
    current_job_id = models.BigIntegerField("正在执行的任务", null=True, blank=True)

    class Meta:
        verbose_name = "后台进程心跳"
        verbose_name_plural = "后台进程心跳"

    def __str__(self) -> str:
        return f"{self.worker_id}（{self.beat_at:%Y-%m-%d %H:%M:%S}）"
