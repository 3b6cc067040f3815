"""Seed the national holiday calendar 2020–2026 (国务院办公厅 notices, data/cn_holidays_YYYY.json) and the
default period rules (national 《信访工作条例》 clocks plus the 浙江 example). Later years: add a file and a
migration like this one, or run ``manage.py deadline --load-holidays FILE.json``."""

from django.db import migrations

from xinfang.deadlines.defaults import ALL_DEFAULTS
from xinfang.deadlines.holidays import bundled_holiday_paths

YEARS = range(2020, 2027)


def seed(apps, schema_editor):
    from xinfang.deadlines.services import load_holiday_file

    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    for path in bundled_holiday_paths(YEARS):
        load_holiday_file(path, model=CalendarDay)
    for r in ALL_DEFAULTS:
        DeadlineRule.objects.update_or_create(
            region_prefix=r.region_prefix,
            clock=r.clock,
            defaults={
                "days": r.days,
                "working": r.working,
                "roll_forward": r.roll_forward,
                "legal_basis": r.legal_basis,
                "note": r.note,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
