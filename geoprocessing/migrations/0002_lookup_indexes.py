"""Indexes the planning lookups need on tables of the layers app.

Kept here rather than in layers' models because only these lookups read by them: a commune is found by its
ASCII name in any case (lower(name_ascii)), including the units of both sides of the 2025 reorganisation.
IF NOT EXISTS keeps it harmless should layers ever add the same index.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("geoprocessing", "0001_planning_sheets"), ("layers", "0005_fewer_feature_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS geoprocessing_commune_name_key ON layers_adminunit (lower(name_ascii)) "
            "WHERE level = 'commune'",
            "DROP INDEX IF EXISTS geoprocessing_commune_name_key"),
    ]
