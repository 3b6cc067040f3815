from __future__ import annotations

from django import forms
from django.forms import formset_factory

from xinfang.cases.models import MatterType
from xinfang.core.markup import MARKUP_MESSAGE, has_markup
from xinfang.intake.models import Channel, PetitionerKind
from xinfang.routing.models import RouteMode

MAX_PETITIONER_ROWS = 8


class MarkupFreeForm(forms.Form):
    """Markup in any text field is an error on that field, as on the portal (core/markup.py)."""

    def clean(self):
        data = super().clean() or {}
        for name, value in list(data.items()):  # add_error drops the field from cleaned_data
            if isinstance(value, str) and has_markup(value):
                self.add_error(name, MARKUP_MESSAGE)
        return data


class ContactForm(MarkupFreeForm):
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices)
    received_at = forms.DateTimeField(
        label="收到时间", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    matter_type = forms.ChoiceField(label="事项类型", choices=MatterType.choices, initial=MatterType.PETITION)
    region_code = forms.ChoiceField(label="问题属地", choices=())
    category = forms.CharField(label="内容分类", max_length=100, required=False)
    title = forms.CharField(label="标题", max_length=200)
    request = forms.CharField(label="诉求（请求）", widget=forms.Textarea(attrs={"rows": 3}))
    facts = forms.CharField(label="事实", widget=forms.Textarea(attrs={"rows": 5}))
    reasons = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))
    is_oral = forms.BooleanField(label="口头信访（当面如实记录）", required=False)
    oral_record = forms.CharField(label="口述记录", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    identity_unclear = forms.BooleanField(label="信访人姓名（名称）、住址不清", required=False)
    headcount = forms.IntegerField(label="来访人数", min_value=1, initial=1)
    is_litigation = forms.BooleanField(label="涉法涉诉", required=False)
    accused_unit_id = forms.IntegerField(label="被检举控告单位", required=False)
    attach_to = forms.CharField(label="并入已有事项（重复信访）", max_length=32, required=False)
    suggestion_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Matter numbers the registrar marked "不是同一事项" among the 判重 candidates (comma-separated).
    duplicate_rejected = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, units=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A picker over the registrar's jurisdiction (the region's full name, the code kept as the value)
        # instead of typing a six- or nine-digit code.
        region_field = self.fields["region_code"]
        assert isinstance(region_field, forms.ChoiceField)  # declared above; narrows the type for mypy
        region_field.choices = [("", "请选择问题属地")] + [
            (r.code, ("　" * max(0, r.level - 2)) + (r.full_name or r.name)) for r in regions
        ]
        self.fields["accused_unit_id"].widget = forms.Select(
            choices=[("", "—")] + [(u.pk, u.name) for u in units]
        )
        for field in self.fields.values():
            field.error_messages.setdefault("required", "此项为必填项")


class PetitionerForm(MarkupFreeForm):
    name = forms.CharField(label="姓名（名称）", max_length=100, required=False)
    kind = forms.ChoiceField(label="类型", choices=PetitionerKind.choices, initial=PetitionerKind.PERSON)
    id_number = forms.CharField(label="身份证号码", max_length=30, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    is_representative = forms.BooleanField(label="代表", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Required by Art 19 for each person named (checked by the service: empty rows are allowed).
        for name in ("name", "address"):
            self.fields[name].widget.attrs["aria-required"] = "true"


PetitionerFormSet = formset_factory(PetitionerForm, extra=MAX_PETITIONER_ROWS, max_num=MAX_PETITIONER_ROWS)


class RouteForm(forms.Form):
    unit = forms.IntegerField(label="接收单位")
    mode = forms.ChoiceField(label="方式", choices=RouteMode.choices)
    deadline_days = forms.IntegerField(label="交办期限（日）", required=False, min_value=1, max_value=90)
    instructions = forms.CharField(label="转交意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(forms.Form):
    notice_method = forms.ChoiceField(
        label="告知方式", choices=[("书面", "书面"), ("短信", "短信"), ("当面", "当面"), ("网上", "网上")]
    )
    notice_text = forms.CharField(
        label="告知内容（接收情况、处理途径和程序）", widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectForm(forms.Form):
    reason = forms.CharField(label="异议理由", widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    approve = forms.ChoiceField(
        label="审核结果", choices=[("1", "异议成立，退回重新分流"), ("0", "异议不成立，继续办理")]
    )
    reason = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 2}))
