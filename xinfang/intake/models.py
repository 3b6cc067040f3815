"""信访人 and 信访件. Sensitive identifiers are stored only as ciphertext + keyed hash + mask."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PetitionerKind(models.TextChoices):
    PERSON = "person", "个人"
    ORGANISATION = "organisation", "组织"


class Petitioner(models.Model):
    kind = models.CharField(
        "类型", max_length=20, choices=PetitionerKind.choices, default=PetitionerKind.PERSON
    )
    name = models.CharField("姓名（名称）", max_length=100, db_index=True)
    # Ciphertext (Fernet) — never decrypted for lists; see intake.petitioners.petitioner_reveal.
    id_number_enc = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=40, blank=True, db_index=True)
    id_number_masked = models.CharField("证件号码", max_length=24, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=40, blank=True, db_index=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    address_enc = models.TextField(blank=True)
    address_masked = models.CharField("住址", max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A record found to be the same person as another (registered twice) is merged into it, not deleted: its
    # contacts move over, its blind indexes are cleared so that look-ups find only the surviving record, and
    # the row stays for the audit trail (intake.merge).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "信访人"
        verbose_name_plural = "信访人"

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    ONLINE = "online", "网上信访"
    PHONE = "phone", "来电"
    HOTLINE = "hotline12345", "12345热线"
    ASSIGNED = "assigned", "上级交办"


class Contact(models.Model):
    """One letter, visit, online submission or call. Attaches to exactly one matter.

    Indexed for what is looked up: the matter (through ``contact_ordinal_unique``, whose first column it is)
    and the external reference. Who registered it, through which unit, token or place is read from the row,
    never searched by, so those columns carry no index: each would be one more page written per
    registration."""

    matter = models.ForeignKey(
        "cases.Matter", on_delete=models.PROTECT, related_name="contacts", db_index=False
    )
    ordinal = models.PositiveIntegerField("序号", default=1)
    channel = models.CharField("来源渠道", max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField("收到时间")
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    registering_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    via_token = models.ForeignKey(
        "accounts.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    external_ref = models.CharField("外部编号", max_length=60, blank=True, db_index=True)
    title = models.CharField("标题", max_length=200)
    # 《信访工作条例》Art 19¶1: 请求、事实、理由 are required contents of a petition.
    request = models.TextField("诉求")
    facts = models.TextField("事实")
    reasons = models.TextField("理由")
    is_oral = models.BooleanField("口头信访（当面记录）", default=False)
    oral_record = models.TextField("口头信访记录", blank=True)
    # Art 23¶2: the 15-day notice may be waived only when name or address is unclear.
    identity_unclear = models.BooleanField("姓名（名称）、住址不清", default=False)
    headcount = models.PositiveIntegerField("来访人数", default=1)
    is_repeat = models.BooleanField("重复信访", default=False)
    visit_level_skipped = models.BooleanField("越级走访", default=False)
    region_code = models.CharField("问题属地", max_length=12)

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        ordering = ["received_at"]
        constraints = [models.UniqueConstraint(fields=["matter", "ordinal"], name="contact_ordinal_unique")]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_channel_display()}）"

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.request, self.facts, self.reasons) if part)


# The personal data a contact gives for a person, each sealed as ``<name>_enc`` + ``<name>_masked``.
PII_FIELDS = {"id_number": "证件号码", "phone": "联系电话", "address": "住址"}


class ContactPetitioner(models.Model):
    # Looked up by contact through contact_petitioner_unique (its first column): no second index.
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="parties", db_index=False)
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT, related_name="contacts")
    # Art 20¶3: a group visit elects representatives, at most five.
    is_representative = models.BooleanField("代表", default=False)
    # What this contact gave for the person, sealed like the record's own fields. Naming a known ID number
    # (or phone and name) attaches the contact to that person's record but never changes the record nor
    # widens what anyone sees of it (条例第三十条; 个人信息保护法第十条): a reveal on a matter shows what was
    # given on that matter's contacts, and the matter's SMS go to the phones given there. A registrar copies
    # these to the record only after confirming them with the person (petitioners.party_details_confirm).
    id_number_enc = models.TextField(blank=True)
    id_number_masked = models.CharField("证件号码", max_length=24, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True)
    address_enc = models.TextField(blank=True)
    address_masked = models.CharField("住址", max_length=40, blank=True)
    # The fields given here that differ from the person's record, comma-separated ("phone,address"), until a
    # registrar confirms them with the person or sets them aside.
    unconfirmed = models.CharField("待核实的信息", max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "petitioner"], name="contact_petitioner_unique")
        ]

    @property
    def unconfirmed_labels(self) -> list[str]:
        return [PII_FIELDS[f] for f in self.unconfirmed.split(",") if f in PII_FIELDS]


class Attachment(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="attachments")
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"


class IdempotencyRecord(models.Model):
    """A retried API POST with the same key returns the first response instead of registering twice. The key
    is the caller's: a system's (its token) or a staff member's calling with the session (the user)."""

    # Looked up by (token, key) through idempotency_token_key, which also serves the token alone.
    token = models.ForeignKey(
        "accounts.ApiToken", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Set instead of the token for a session call; looked up by (user, key) through idempotency_user_key.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=100)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_token_key"),
            # Partial: a token's record (the hot path) adds no entry to this index.
            models.UniqueConstraint(
                fields=["user", "key"], condition=models.Q(user__isnull=False), name="idempotency_user_key"
            ),
            models.CheckConstraint(
                condition=models.Q(token__isnull=False, user__isnull=True)
                | models.Q(token__isnull=True, user__isnull=False),
                name="idempotency_one_caller",
            ),
        ]
