"""Admin saves and deletes go through the services (audited), even though the project may not mount admin."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.admin.sites import AdminSite
from django.test import RequestFactory

from xinfang.audit.models import Event
from xinfang.deadlines.admin import CalendarDayAdmin, DeadlineRuleAdmin, DeadlineRuleForm
from xinfang.deadlines.models import CalendarDay, DeadlineRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(actor: SimpleNamespace):
    req = RequestFactory().post("/admin/")
    req.user = actor
    return req


def test_calendar_day_admin_audits(request_) -> None:
    ma = CalendarDayAdmin(CalendarDay, AdminSite())
    obj = CalendarDay(date=date(2031, 1, 1), kind="holiday", name="元旦", region_prefix="")
    ma.save_model(request_, obj, form=None, change=False)
    assert obj.pk is not None
    assert Event.objects.filter(verb="deadlines.calendar_day_set", subject_id=str(obj.pk)).exists()
    assert ma.get_readonly_fields(request_, obj) == ("date", "region_prefix", "updated_at")
    ma.delete_queryset(request_, CalendarDay.objects.filter(pk=obj.pk))
    assert Event.objects.filter(verb="deadlines.calendar_day_deleted").count() == 1
    assert not CalendarDay.objects.filter(pk=obj.pk).exists()


def test_rule_admin_audits_and_protects_national(request_) -> None:
    ma = DeadlineRuleAdmin(DeadlineRule, AdminSite())
    national = DeadlineRule.objects.get(region_prefix="", clock="handling")
    national.days = 50
    ma.save_model(request_, national, form=None, change=True)
    assert Event.objects.get(verb="deadlines.rule_set").new["days"] == 50
    request_.user = SimpleNamespace(
        display_label="x", unit_id=None, pk=None, is_active=True, is_staff=True, has_perm=lambda perm: True
    )
    assert ma.has_delete_permission(request_, national) is False
    form = DeadlineRuleForm(
        data={
            "region_prefix": "44",
            "clock": "extension",
            "days": 40,
            "working": False,
            "roll_forward": True,
            "legal_basis": "",
            "note": "",
        }
    )
    assert not form.is_valid() and "days" in form.errors
