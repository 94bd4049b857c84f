"""Camera violations are filed by cameras only: the category is not offered to citizens."""

from django.db import migrations

CODE = "vi-pham-giao-thong"


def staff_only(apps, schema_editor):
    apps.get_model("incidents", "Category").objects.filter(code=CODE).update(citizen_reportable=False)


def offered(apps, schema_editor):
    apps.get_model("incidents", "Category").objects.filter(code=CODE).update(citizen_reportable=True)


class Migration(migrations.Migration):
    dependencies = [("camera_analytics", "0002_traffic_violation_category"),
                    ("incidents", "0006_category_citizen_reportable")]

    operations = [migrations.RunPython(staff_only, offered)]
