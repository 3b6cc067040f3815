"""One row per outgoing SMS or e-mail: the outbox the retry worker polls and the record of what was sent."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "短信"
    EMAIL = "email", "电子邮件"


class Audience(models.TextChoices):
    PETITIONER = "petitioner", "信访人"
    UNIT = "unit", "单位"


class State(models.TextChoices):
    QUEUED = "queued", "待发送"
    # Claimed by one worker; ``next_attempt_at`` then holds the lease expiry (see services.deliver).
    SENDING = "sending", "发送中"
    FAILED = "failed", "发送失败，待重试"
    SENT = "sent", "已发送"
    GAVE_UP = "gave_up", "已放弃"


class Notification(models.Model):
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    audience = models.CharField("对象", max_length=12, choices=Audience.choices)
    # A petitioner's phone/e-mail is personal information (PIPL Art 28): only ciphertext and a mask are kept.
    recipient_encrypted = models.TextField("接收人（密文）", blank=True)
    recipient_masked = models.CharField("接收人", max_length=120)
    # A unit's official mailbox or duty phone is not personal information, so it is kept as is.
    recipient_address = models.CharField("单位接收地址", max_length=254, blank=True)
    # No FK: notifications must never block deleting or archiving a matter, like audit events.
    matter_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    template = models.CharField("模板", max_length=40)
    subject = models.CharField("标题", max_length=120, blank=True)
    body = models.TextField("内容")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间", null=True, blank=True, db_index=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["created_at", "id"]
        indexes = [
            # The worker's poll: due rows of the retryable states, oldest first.
            models.Index(fields=["state", "next_attempt_at"], name="notify_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.recipient_masked} {self.template} {self.state}"
