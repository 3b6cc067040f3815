"""阳光信访: the query code of a matter. Only a keyed hash is kept."""

from __future__ import annotations

from django.db import models


class PortalAccess(models.Model):
    """The query code of one matter: made with an online submission, with a staff registration of a new
    matter (for the printed 登记回执), or anew when the petitioner has it texted to the phone they gave
    (找回查询码; the new code replaces the old)."""

    matter = models.OneToOneField(
        "cases.Matter", on_delete=models.PROTECT, related_name="portal_access", verbose_name="信访事项"
    )
    # HMAC-SHA256 of the normalised code keyed with settings.SECRET_KEY (the pepper); the code itself is
    # never stored: it is shown on the receipt from the submitter's session for a short time
    # (portal.receipts) and texted only in a message whose stored body leaves it out.
    code_hash = models.CharField("查询码摘要", max_length=64)
    # SHA-256 of the one-time token of the portal form this matter was submitted with: the same form sent
    # again (a double click, a retry after a lost answer, a resent POST) finds its first matter here instead
    # of making a second. Empty for matters registered by staff or by the API.
    submission_key = models.CharField("提交标识摘要", max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "网上信访查询码"
        verbose_name_plural = "网上信访查询码"
        constraints = [
            # Partial: rows without a key (staff registrations) add nothing to the index. The constraint
            # is what makes two racing submissions of one form one matter: the second fails here and rolls
            # back (portal.services.portal_submit).
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=models.Q(submission_key__isnull=False),
                name="portal_access_submission_key",
            )
        ]

    def __str__(self) -> str:
        return f"查询码 · {self.matter_id}"
