"""The incident category camera violations are filed under, so a portal without the demo has it too.

Same code and values as the demo loader's (fixtures.demo_incidents), which updates it in place."""

from django.db import migrations

CODE = "vi-pham-giao-thong"


def add_category(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    Category.objects.get_or_create(code=CODE, defaults={
        "name_vi": "Vi phạm giao thông (camera)", "name_en": "Traffic violation (camera)", "group": "Giao thông",
        "deadline_days": 5, "public_by_default": False, "order": 9,
        "description_vi": "Vi phạm do camera giao thông ghi nhận: đi ngược chiều, dừng đỗ nơi cấm, quá tốc độ, "
                          "vượt đèn đỏ.",
        "description_en": "Violations seen by traffic cameras: wrong way, stopping where forbidden, speeding, "
                          "crossing on red."})


def remove_category(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    Category.objects.filter(code=CODE, incidents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("camera_analytics", "0001_calibration_rules_runs_violations"),
                    ("incidents", "0001_initial")]

    operations = [migrations.RunPython(add_category, remove_category)]
