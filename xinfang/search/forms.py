"""The search form of the staff list page (/matters/): GET parameters → the arguments of ``matter_search``."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from xinfang.cases.models import AlertLevel, MatterStatus, MatterType
from xinfang.intake.models import Channel

from .selectors import search_units


def _any(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's own date picker; the value is ISO (2026-12-07) either way

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class MatterSearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    name = forms.CharField(label="信访人姓名", required=False, max_length=100)
    # The browser's autocomplete would keep what was looked up: a phone or ID number is personal data.
    phone = forms.CharField(
        label="联系电话", required=False, max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    id_number = forms.CharField(
        label="证件号码", required=False, max_length=24, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    unit = forms.TypedChoiceField(label="登记或承办单位", required=False, coerce=int, empty_value=None)
    received_from = forms.DateField(label="收到日期自", required=False, widget=DateInput())
    received_to = forms.DateField(label="至", required=False, widget=DateInput())
    status = forms.ChoiceField(label="状态", required=False, choices=_any("全部状态", MatterStatus.choices))
    matter_type = forms.ChoiceField(
        label="类型", required=False, choices=_any("全部类型", MatterType.choices)
    )
    channel = forms.ChoiceField(label="渠道", required=False, choices=_any("全部渠道", Channel.choices))
    category = forms.CharField(label="内容分类", required=False, max_length=100)
    alert = forms.ChoiceField(label="时限", required=False, choices=_any("全部时限", AlertLevel.choices))

    def __init__(self, data: Any, *, actor: Any) -> None:
        super().__init__(data)
        # One query: the list is read once, for validation and for the <select>.
        units = [(unit.pk, unit.name) for unit in search_units(actor).only("pk", "name")]
        cast(forms.TypedChoiceField, self.fields["unit"]).choices = [("", "全部单位"), *units]
        self.fields["q"].widget.attrs["placeholder"] = "编号或标题、诉求、事实中的词"
        self.fields["phone"].widget.attrs["placeholder"] = "完整号码"
        self.fields["id_number"].widget.attrs["placeholder"] = "18位身份证号码"
        self.fields["category"].widget.attrs["placeholder"] = "如：城乡建设"

    def criteria(self) -> dict[str, Any]:
        """The keyword arguments of ``matter_search`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        keys = ("q", "name", "phone", "id_number", "received_from", "received_to", "status", "matter_type")
        out = {key: data.get(key) or None for key in (*keys, "channel", "category", "alert")}
        return out | {"unit_id": data.get("unit")}
