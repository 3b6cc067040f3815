"""Portal forms. Field checks mirror ``intake.validation`` (which stays the authority: its errors are shown
on the same form); here only shapes, lengths, the consent box and the anti-script check."""

from __future__ import annotations

from django import forms

from xinfang.cases.models import MatterType
from xinfang.org.models import Region, Unit

from .security import MARKUP_MESSAGE, has_markup

MAX_ATTACHMENTS = 3

TYPE_CHOICES = [
    (MatterType.PETITION.value, "申诉求决（反映问题、提出诉求）"),
    (MatterType.SUGGESTION.value, "建议意见（对工作提出建议）"),
    (MatterType.ACCUSATION.value, "检举控告（检举、控告违法违纪行为）"),
]


def reject_markup(form: forms.Form) -> None:
    """Any text field containing HTML tags or a script URL fails the whole form: nothing is written."""
    for name, value in list(form.cleaned_data.items()):
        if isinstance(value, str) and has_markup(value):
            form.add_error(name, MARKUP_MESSAGE)


def region_choices(unit: Unit) -> list[tuple[str, str]]:
    regions = Region.objects.filter(code__startswith=unit.region.prefix).order_by("code")
    return [(r.code, r.full_name or r.name) for r in regions]


class SubmitForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号码（选填）", max_length=18, required=False, help_text="填写后便于核实身份、合并办理"
    )
    phone = forms.CharField(label="联系电话", max_length=20)
    address = forms.CharField(label="住址", max_length=200)
    matter_type = forms.ChoiceField(label="事项类型", choices=TYPE_CHOICES, initial=MatterType.PETITION)
    region_code = forms.ChoiceField(label="问题发生地")
    title = forms.CharField(label="标题", max_length=100, help_text="用一句话概括您反映的问题")
    request = forms.CharField(label="诉求", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    facts = forms.CharField(label="事实", max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    reasons = forms.CharField(label="理由", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    consent = forms.BooleanField(
        label="我已阅读并同意《个人信息处理告知》，确认所填内容真实",
        error_messages={"required": "请阅读个人信息处理告知并勾选同意"},
    )
    # Honeypot: hidden from people by CSS; a bot that fills every field is refused.
    website = forms.CharField(label="网址（请勿填写）", required=False)
    nonce = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, unit: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        regions = region_choices(unit)
        region_field = self.fields["region_code"]
        assert isinstance(region_field, forms.ChoiceField)
        region_field.choices = [("", "请选择"), *regions]
        for name in ("name", "phone", "address", "title"):
            self.fields[name].widget.attrs["autocomplete"] = {
                "name": "name",
                "phone": "tel",
                "address": "street-address",
                "title": "off",
            }[name]
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean(self):
        data = super().clean()
        reject_markup(self)
        return data


class QueryForm(forms.Form):
    number = forms.CharField(label="事项编号", max_length=32, help_text="例如 440300-2026-000123")
    code = forms.CharField(label="查询码", max_length=24, help_text="12位字母和数字，不区分大小写")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})

    def clean(self):
        data = super().clean()
        reject_markup(self)
        return data


RATING_CHOICES = [
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("unsatisfied", "不满意"),
]


class EvaluationForm(forms.Form):
    rating = forms.ChoiceField(
        label="您对办理结果的评价",
        choices=RATING_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意、基本满意或不满意"},
    )
    comment = forms.CharField(
        label="意见（选填）", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        reject_markup(self)
        return data


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label="请求复查/复核的理由",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写请求的理由"},
    )

    def clean(self):
        data = super().clean()
        reject_markup(self)
        return data


class RecoverForm(forms.Form):
    number = forms.CharField(label="事项编号", max_length=32, help_text="例如 440300-2026-000123")
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        help_text="信访时留下的手机号码；新的查询码将以短信发送到这个号码",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self):
        data = super().clean()
        reject_markup(self)
        return data
