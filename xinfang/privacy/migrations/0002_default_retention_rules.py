"""Default retention periods, so that a new deployment applies some rule from the start. They are the
deployment's to set (安全管理员, 保存期限 page): the periods of its own records schedule (档案保管期限表) and its
personal-information impact assessment (个人信息保护法第十九条、第五十五条) take precedence over these."""

from django.db import migrations

BASIS = "默认值：请按本单位档案保管期限表和个人信息保护影响评估确定（个人信息保护法第十九条）"
DEFAULTS = [
    ("closed_matter_personal_data", 60, "anonymise"),
    ("portal_query_codes", 12, "delete"),
    ("notification_recipients", 12, "anonymise"),
]


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for record_class, months, action in DEFAULTS:
        RetentionRule.objects.get_or_create(
            record_class=record_class, defaults={"months": months, "action": action, "basis": BASIS}
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
