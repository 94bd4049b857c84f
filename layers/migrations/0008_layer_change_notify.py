"""Every change to the layer catalog is announced on a channel, so tile servers drop what they keep in memory."""

from django.db import migrations

NOTIFY = """
CREATE FUNCTION layers_layer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('layers_layer_changed', '');
    RETURN NULL;
END $$;
CREATE TRIGGER layers_layer_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON layers_layer
    FOR EACH STATEMENT EXECUTE FUNCTION layers_layer_changed();
"""
DROP = """
DROP TRIGGER IF EXISTS layers_layer_changed ON layers_layer;
DROP FUNCTION IF EXISTS layers_layer_changed();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("layers", "0007_partition_features_by_layer"),
    ]

    operations = [migrations.RunSQL(NOTIFY, DROP)]
