"""A run's file may be its web page's map script (map.js): the page's CSP runs no inline script, so the folium
map's code is stored beside the page and loaded from it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_reports_runs_files_newsletter"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reportfile",
            name="format",
            field=models.CharField(choices=[("html", "HTML"), ("pdf", "PDF"), ("csv", "CSV"),
                                            ("email", "HTML e-mail"), ("map.png", "Map picture (e-mail)"),
                                            ("trend.png", "Trend chart (e-mail)"),
                                            ("map.js", "Interactive map's script (web page)")],
                                   max_length=12),
        ),
    ]
