from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .incidents import IncidentInput
from .models import Incident, IncidentNature, RecordClass, RetentionAction
from .selectors import PII_ACCESS_VERBS, AuditFilters
from .verbs import VERB_LABELS, verb_choices

_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(forms.Form):
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label="操作人", required=False, max_length=100)
    verb = forms.ChoiceField(label="操作", required=False)
    matter = forms.CharField(label="事项编号", required=False, max_length=32)

    def __init__(self, *args: Any, pii: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v, VERB_LABELS[v]) for v in PII_ACCESS_VERBS] if pii else verb_choices()
        self.fields["verb"].choices = [("", "全部操作"), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise forms.ValidationError("截止日期不能早于起始日期")
        return data

    def filters(self) -> AuditFilters:
        """The cleaned form as filters: whole local days, the end day included."""
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            since=_day_start(data["since"]) if data.get("since") else None,
            until=_day_start(data["until"] + dt.timedelta(days=1)) if data.get("until") else None,
            actor=(data.get("actor") or "").strip(),
            verb=data.get("verb") or "",
            matter_number=(data.get("matter") or "").strip(),
        )


class LookupForm(forms.Form):
    id_number = forms.CharField(label="证件号码", required=False, max_length=30)
    phone = forms.CharField(label="联系电话", required=False, max_length=30)


class ExportForm(forms.Form):
    FORMATS = [("json", "JSON（完整结构）"), ("csv", "CSV（可用 Excel 打开）")]
    format = forms.ChoiceField(label="文件格式", choices=FORMATS, initial="json")
    reason = forms.CharField(
        label="身份核验方式及申请事由",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "如：本人持身份证当面申请查阅、复制"}),
    )


class CorrectForm(forms.Form):
    name = forms.CharField(label="姓名（名称）", required=False, max_length=100)
    phone = forms.CharField(label="联系电话", required=False, max_length=30)
    address = forms.CharField(label="住址", required=False, max_length=200)
    reason = forms.CharField(
        label="更正依据",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "如：本人持户口簿申请更正姓名"}),
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label="事件名称", max_length=200)
    nature = forms.ChoiceField(label="事件性质", choices=IncidentNature.choices)
    confirmed = forms.BooleanField(label="已确认发生（不勾选为可能发生）", required=False)
    discovered_at = forms.DateTimeField(
        label="发现时间", input_formats=_LOCAL, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    occurred_at = forms.DateTimeField(
        label="发生时间",
        required=False,
        input_formats=_LOCAL,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    affected_count = forms.IntegerField(label="涉及人数", required=False, min_value=0)
    info_kinds = forms.CharField(label="涉及的个人信息种类", widget=forms.Textarea(attrs={"rows": 2}))
    cause = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}))
    possible_harm = forms.CharField(label="可能造成的危害", widget=forms.Textarea(attrs={"rows": 2}))
    remedial_measures = forms.CharField(label="已采取的补救措施", widget=forms.Textarea(attrs={"rows": 2}))
    individual_measures = forms.CharField(
        label="个人可以采取的减轻危害的措施", widget=forms.Textarea(attrs={"rows": 2})
    )
    processor = forms.CharField(label="个人信息处理者", max_length=200)
    contact_info = forms.CharField(
        label="联系方式",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "联系部门、电话、地址或邮箱"}),
    )
    reason = forms.CharField(label="修改说明", required=False, max_length=500)

    @classmethod
    def of(cls, incident: Incident) -> IncidentForm:
        names = [n for n in cls.base_fields if n != "reason"]
        initial = {n: getattr(incident, n) for n in names}
        for n in ("discovered_at", "occurred_at"):
            if initial[n]:
                initial[n] = timezone.localtime(initial[n]).strftime("%Y-%m-%dT%H:%M")
        return cls(initial=initial)

    def data_input(self) -> IncidentInput:
        data = {k: v for k, v in self.cleaned_data.items() if k != "reason"}
        return IncidentInput(**data)


class WhenForm(forms.Form):
    at = forms.DateTimeField(
        label="时间",
        required=False,
        input_formats=_LOCAL,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    authority = forms.CharField(label="报告的部门", required=False, max_length=200)


class CloseForm(forms.Form):
    no_notice_reason = forms.CharField(label="不通知个人的理由", required=False, max_length=2000)


class RetentionForm(forms.Form):
    record_class = forms.ChoiceField(choices=RecordClass.choices, widget=forms.HiddenInput)
    months = forms.IntegerField(label="保存期限（月）", min_value=1, max_value=1200)
    action = forms.ChoiceField(label="期满处理", choices=RetentionAction.choices)
    basis = forms.CharField(label="依据", required=False, max_length=500)
    reason = forms.CharField(label="调整理由", max_length=500)
