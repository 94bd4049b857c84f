"""History rows are written once: PostgreSQL refuses any UPDATE of incidents_incidentevent, except the
SET NULL Django issues when the acting user or agency is deleted."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION incidents_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - 'actor_id' - 'agency_id') IS DISTINCT FROM (to_jsonb(OLD) - 'actor_id' - 'agency_id')
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
       OR (NEW.agency_id IS NOT NULL AND NEW.agency_id IS DISTINCT FROM OLD.agency_id) THEN
        RAISE EXCEPTION 'incident events are append-only' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER incidents_event_no_update BEFORE UPDATE ON incidents_incidentevent
    FOR EACH ROW EXECUTE FUNCTION incidents_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS incidents_event_no_update ON incidents_incidentevent;
DROP FUNCTION IF EXISTS incidents_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
