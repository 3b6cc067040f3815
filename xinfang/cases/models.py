"""信访事项 (matter): what is being asked and its whole lifecycle. Many contacts attach to one matter."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MatterType(models.TextChoices):
    # 《信访工作条例》Art 29–31
    SUGGESTION = "suggestion", "建议意见类"
    ACCUSATION = "accusation", "检举控告类"
    PETITION = "petition", "申诉求决类"


class MatterStatus(models.TextChoices):
    REGISTERED = "registered", "待分流"
    ROUTED = "routed", "已转交待受理"
    OBJECTION = "objection", "异议审核中"
    ACCEPTED = "accepted", "已受理办理中"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    REPLIED = "replied", "已出具处理意见"
    IN_REVIEW = "in_review", "复查中"
    REVIEWED = "reviewed", "已复查"
    IN_RECHECK = "in_recheck", "复核中"
    FINAL = "final", "已复核终结"
    CLOSED = "closed", "已办结"
    # A duplicate registration folded into the matter it repeats (并入): its contacts moved there.
    MERGED = "merged", "已并入其他事项"


# What a citizen reads for each status on the portal: plain words about their petition, not the desk's
# internal queue names (待分流, 已转交待受理…).
PUBLIC_STATUS: dict[str, str] = {
    MatterStatus.REGISTERED: "已登记，正在确定办理单位",
    MatterStatus.ROUTED: "已转交有权处理的单位，等待受理",
    MatterStatus.OBJECTION: "正在确定办理单位",
    MatterStatus.ACCEPTED: "已受理，正在办理",
    MatterStatus.NOT_ACCEPTED: "不予受理",
    MatterStatus.REPLIED: "已出具处理意见",
    MatterStatus.IN_REVIEW: "正在复查",
    MatterStatus.REVIEWED: "已出具复查意见",
    MatterStatus.IN_RECHECK: "正在复核",
    MatterStatus.FINAL: "已复核，办理终结",
    MatterStatus.CLOSED: "已办结",
    MatterStatus.MERGED: "已与相同诉求的信访事项合并办理",
}


class Matter(models.Model):
    number = models.CharField("事项编号", max_length=32, unique=True)
    title = models.CharField("标题", max_length=200)
    matter_type = models.CharField("事项类型", max_length=20, choices=MatterType.choices)
    category = models.CharField("内容分类", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=MatterStatus.choices, default=MatterStatus.REGISTERED, db_index=True
    )
    # The place the matter concerns; scoping is a prefix filter on this code (see org.Region.prefix).
    # No index of its own on region, accused_unit, created_by or final_matter: no query looks matters up by
    # them (scoping goes by region_code, the Art 30 exclusion rides on the scope's rows), and every index is
    # one more page written by each registration. Deleting a unit, region or user then scans matters once.
    region = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, related_name="+", verbose_name="问题属地", db_index=False
    )
    region_code = models.CharField(max_length=12, db_index=True)
    registering_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="registered_matters", verbose_name="登记单位"
    )
    # The unit that holds the matter now (after acceptance); the inbox of a unit is driven by assignments.
    handling_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_matters",
        verbose_name="承办单位",
    )
    # 检举控告 (Art 30): the accused unit may never receive the matter nor see who complained.
    accused_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="被检举控告单位",
        db_index=False,
    )
    is_litigation = models.BooleanField("涉法涉诉", default=False)
    is_major = models.BooleanField("重大紧急", default=False)
    contact_count = models.PositiveIntegerField("信访件数", default=1)
    first_received_at = models.DateTimeField("首次收到时间")
    last_contact_at = models.DateTimeField("最近来信来访时间")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # Art 31: how an accepted 申诉求决 matter is handled; items 1–4 lead into a legal channel.
    disposition = models.CharField("处理方式", max_length=20, blank=True)
    legal_channel = models.CharField("法定途径", max_length=20, blank=True)
    # Art 36¶3: a new contact on the same facts after 复核 is not accepted again; link to the final matter.
    final_matter = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="已终结的原事项",
        db_index=False,
    )
    # 并入: a duplicate registration folded into the matter it repeats (cases/merging.py).
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name="并入的事项",
        db_index=False,
    )

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["region_code", "status"], name="matter_scope_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def public_status(self) -> str:
        return PUBLIC_STATUS.get(self.status, self.get_status_display())


class MatterSequence(models.Model):
    """Per jurisdiction and year counter. The row is locked while a number is drawn, in the same transaction
    as the matter insert, so numbers are unique and a rolled-back registration gives its number back."""

    scope = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "year"], name="matter_sequence_scope_year")]


class ClockState(models.TextChoices):
    RUNNING = "running", "计时中"
    PAUSED = "paused", "暂停"
    MET = "met", "已按期完成"
    MET_LATE = "met_late", "逾期完成"
    CANCELLED = "cancelled", "已撤销"


class AlertLevel(models.TextChoices):
    NONE = "none", "正常"
    SOON = "soon", "即将到期"
    OVERDUE = "overdue", "逾期"


class Clock(models.Model):
    """A statutory time limit on a matter. ``due_at`` is indexed and polled by the sweeper."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="clocks")
    assignment = models.ForeignKey(
        "routing.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="clocks"
    )
    kind = models.CharField("时限类型", max_length=20)
    label = models.CharField("名称", max_length=40)
    started_on = models.DateField("起算日")
    due_on = models.DateField("届满日")
    due_at = models.DateTimeField("届满时间", db_index=True)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    alert = models.CharField(max_length=10, choices=AlertLevel.choices, default=AlertLevel.NONE)
    explanation = models.JSONField("计算说明", default=dict)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "法定时限"
        verbose_name_plural = "法定时限"
        ordering = ["due_at"]
        indexes = [models.Index(fields=["state", "due_at"], name="clock_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.label} 至 {self.due_on}"


class Decision(models.TextChoices):
    # Art 32
    SUPPORT = "support", "支持"
    EXPLAIN = "explain", "解释说明"
    REJECT = "reject", "不予支持"


class ReviewOutcome(models.TextChoices):
    UPHOLD = "uphold", "维持原处理意见"
    REVISE = "revise", "变更原处理意见"
    REVOKE = "revoke", "撤销原处理意见"


class Level(models.TextChoices):
    OPINION = "opinion", "处理意见"
    REVIEW = "review", "复查意见"
    RECHECK = "recheck", "复核意见"


class Opinion(models.Model):
    """处理/复查/复核意见书: request, facts, reasons, decision, legal basis (Art 32, 35, 36)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="opinions")
    level = models.CharField(max_length=10, choices=Level.choices)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="出具单位")
    request = models.TextField("投诉请求")
    facts = models.TextField("事实")
    reasons = models.TextField("理由")
    findings = models.TextField("调查核实情况")
    decision = models.CharField("处理意见", max_length=10)
    decision_text = models.TextField("处理意见内容")
    legal_basis = models.JSONField("法律法规依据")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    served_method = models.CharField(
        "送达方式",
        max_length=20,
        blank=True,
        choices=[("electronic", "电子送达"), ("postal", "邮寄送达"), ("in_person", "直接送达")],
    )
    served_on = models.DateField("送达（收到）日期", null=True, blank=True)

    class Meta:
        verbose_name = "意见书"
        verbose_name_plural = "意见书"

        constraints = [models.UniqueConstraint(fields=["matter", "level"], name="opinion_one_per_level")]

    @property
    def decision_word(self) -> str:
        """The decision as the document states it: 支持/解释说明/不予支持, or 维持/变更/撤销 for a review."""
        if self.level == Level.OPINION:
            return Decision(self.decision).label
        return {"uphold": "维持", "revise": "变更", "revoke": "撤销"}[self.decision]


class Extension(models.Model):
    """Art 34: one extension of at most 30 days, approved by the unit head, with reasons told."""

    matter = models.OneToOneField(Matter, on_delete=models.PROTECT, related_name="extension")
    days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    original_due = models.DateField()
    new_due = models.DateField()


# How an evaluation or a 复查/复核 request reached the office, as staff read it.
SOURCE_LABELS = {
    "portal": "网上",
    "phone": "电话回访",
    "visit": "当面",
    "letter": "来信",
    "staff": "工作人员登记",
}


class Evaluation(models.Model):
    RATINGS = [("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("unsatisfied", "不满意")]
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="evaluations")
    level = models.CharField(max_length=10, choices=Level.choices)
    rating = models.CharField(max_length=24, choices=RATINGS)
    comment = models.TextField(blank=True)
    source = models.CharField(max_length=10)  # portal / phone (回访) / visit
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "level"], name="evaluation_one_per_level")]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


class ReviewRequest(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="review_requests")
    level = models.CharField(max_length=10, choices=Level.choices)
    organ = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="复查/复核机关"
    )
    reason = models.TextField()
    source = models.CharField(max_length=10)
    received_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "level"], name="review_one_per_level")]


class Hearing(models.Model):
    """听证 (Art 31(6), 36¶2): its days are not counted in the 复核 limit."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="hearings")
    held_from = models.DateField()
    held_to = models.DateField()
    participants = models.JSONField(default=list)
    minutes = models.TextField()
    outcome = models.TextField()


class FollowUp(models.Model):
    """A 支持 decision opens a task until it is carried out (Art 32)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="follow_ups")
    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="+")
    is_done = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class IssuedDocument(models.Model):
    """A generated 告知书/意见书: numbered, signed off, stored once as .docx and PDF named by content hash.
    Rows are never updated; a correction is a new document."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=40)
    doc_number = models.CharField("文号", max_length=40, unique=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_role = models.CharField(max_length=20)
    sha256_docx = models.CharField(max_length=64)
    sha256_pdf = models.CharField(max_length=64)
    is_public = models.BooleanField(default=True)  # shown to the petitioner on the portal
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["created_at", "id"]


class JointUnit(models.Model):
    """联合办理: a matter that concerns several organs is handled by them together, one of them leading
    (Art 24: 涉及多个机关的信访事项由其协商受理). The handling unit leads unless another is named."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="joint_units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="joint_matters")
    is_lead = models.BooleanField("牵头单位", default=False)
    duty = models.CharField("分工", max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        verbose_name = "联合办理单位"
        verbose_name_plural = "联合办理单位"
        ordering = ["-is_lead", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "unit"], name="joint_unit_once"),
            models.UniqueConstraint(
                fields=["matter"], condition=models.Q(is_lead=True), name="joint_unit_one_lead"
            ),
        ]


class CaseLeader(models.Model):
    """领导包案: a named leader takes personal charge of a matter until it is resolved. Ended, not deleted."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="case_leaders")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    goal = models.CharField("包案目标", max_length=200)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "领导包案"
        verbose_name_plural = "领导包案"
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"], condition=models.Q(ended_at=None), name="case_leader_one_active"
            )
        ]


class AnswerKind(models.TextChoices):
    DUTY = "duty", "依法履行职责或者答复（第三十一条第（五）项）"
    SUGGESTION = "suggestion", "建议意见研究答复（第二十九条）"
    ACCUSATION = "accusation", "检举控告处理答复（第三十条）"


class Answer(models.Model):
    """The written answer that closes a matter outside the 意见书 track: Art 29 suggestions (采纳/部分采纳/
    未采纳), Art 30 accusations (the result, told to the complainant only), Art 31(5) duties."""

    ADOPTION = [("adopted", "采纳"), ("partly", "部分采纳"), ("not_adopted", "未采纳")]
    matter = models.OneToOneField(Matter, on_delete=models.PROTECT, related_name="answer")
    kind = models.CharField(max_length=12, choices=AnswerKind.choices)
    adoption = models.CharField("采纳情况", max_length=12, choices=ADOPTION, blank=True)
    text = models.TextField("答复内容")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()


class OpinionDraft(models.Model):
    """A 承办人's draft of a 处理/复查/复核意见书, waiting for the head to sign it (拟稿 → 签发). Deleted when
    the opinion is issued; never shown outside the unit."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="opinion_drafts")
    level = models.CharField(max_length=10, choices=Level.choices)
    data = models.JSONField()
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["matter", "level"], name="opinion_draft_one_per_level")
        ]
