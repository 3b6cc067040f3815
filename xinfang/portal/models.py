"""阳光信访: the query code of a matter submitted on the public portal. Only a keyed hash is kept."""

from __future__ import annotations

from django.db import models


class PortalAccess(models.Model):
    matter = models.OneToOneField(
        "cases.Matter", on_delete=models.PROTECT, related_name="portal_access", verbose_name="信访事项"
    )
    # HMAC-SHA256 of the normalised code keyed with settings.SECRET_KEY (the pepper); the code itself is
    # shown once on the success page and never stored.
    code_hash = models.CharField("查询码摘要", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "网上信访查询码"
        verbose_name_plural = "网上信访查询码"

    def __str__(self) -> str:
        return f"查询码 · {self.matter_id}"
