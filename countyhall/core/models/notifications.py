from __future__ import annotations

from django.conf import settings
from django.db import models

from .divisions import Organisation


class OutboxMessage(models.Model):
    """A notification waiting to be sent, or sent. In-app messages are delivered when written; SMS and
    e-mail go out through the senders configured in COUNTYHALL_NOTIFICATION_SENDERS, and without one they
    stay here, visibly, as what would have been sent."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", "站内通知"
        SMS = "sms", "短信"
        EMAIL = "email", "电子邮件"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        NO_SENDER = "no_sender", "未配置发送通道（仅记录）"

    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="接收单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A message to one person (an applicant firm's clerk, the officer who filed a report); in-app messages to an
    # organisation leave it empty and reach everyone in that organisation.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    recipient = models.CharField("接收方", max_length=100)
    address = models.CharField("号码或地址", max_length=200, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    source_type = models.CharField("来源对象", max_length=64, blank=True)
    source_id = models.CharField("来源编号", max_length=64, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知发件箱"
        verbose_name_plural = "通知发件箱"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "channel"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}：{self.subject}"


class NoticeRead(models.Model):
    """When a user opened an in-app message: unread until then. Per user, since a message to an organisation
    reaches several people, each of whom reads it (or not) on their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_reads")
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField("阅读时间", auto_now_add=True)

    class Meta:
        verbose_name = "通知阅读记录"
        verbose_name_plural = "通知阅读记录"
        constraints = [models.UniqueConstraint(fields=["user", "message"], name="unique_notice_read")]

    def __str__(self) -> str:
        return f"{self.user} 已读 {self.message_id}"
