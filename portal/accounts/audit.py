"""The audit log: one keyword-only function per kind of admin action or personal-data view, each writing one
AuditEvent row. Callers write it in the same transaction as the change it records, so a change that rolls back
leaves no row, and a row never tells of a change that did not happen.

`actor` is the user who acted (None or anonymous: the system); `ip` the client address as portal.ratelimit's
client_ip gives it (anything that is not an address is stored as none).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from .models import AuditEvent

if TYPE_CHECKING:
    from camera_analytics.models import ViolationEvidence
    from incidents.models import Incident, IncidentMedia
    from layers.models import Camera, ImportJob, Layer

    from .models import ApiToken, OrgUnit

__all__ = ["token_issued", "token_revoked", "layer_style_saved", "layer_import_started", "camera_calibration_saved",
           "camera_rules_saved", "incident_assigned", "incident_merged", "incident_bulk_action",
           "reporter_contact_viewed", "incident_original_viewed", "violation_evidence_viewed"]

Action = AuditEvent.Action


def _ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None  # "unknown", a socket path: nothing worth keeping


def _write(action: str, *, actor, object_type: str, object_id, ip: str | None, details: dict[str, Any]) -> AuditEvent:
    person = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(actor=person, actor_name=person.get_username() if person else "", action=action,
                                     object_type=object_type, object_id=str(object_id)[:100], ip=_ip(ip),
                                     details=details)


def _camera_key(camera: Camera) -> str:
    # Cameras are partitioned and a re-import renumbers them: the layer and the camera's own id name it for good.
    return f"{camera.layer_id}:{camera.ext_id}"


# --- accounts --------------------------------------------------------------------------------------------------

def token_issued(*, actor, token: ApiToken, ip: str | None = None) -> AuditEvent:
    return _write(Action.TOKEN_ISSUED, actor=actor, object_type="api_token", object_id=token.pk, ip=ip,
                  details={"name": token.name, "prefix": token.prefix, "owner": token.user.get_username(),
                           "expires_at": token.expires_at.isoformat() if token.expires_at else None})


def token_revoked(*, actor, token: ApiToken, ip: str | None = None) -> AuditEvent:
    return _write(Action.TOKEN_REVOKED, actor=actor, object_type="api_token", object_id=token.pk, ip=ip,
                  details={"name": token.name, "prefix": token.prefix, "owner": token.user.get_username()})


# --- layers ----------------------------------------------------------------------------------------------------

def layer_style_saved(*, actor, layer: Layer, previous: dict, style: dict, ip: str | None = None) -> AuditEvent:
    return _write(Action.LAYER_STYLE_SAVED, actor=actor, object_type="layer", object_id=layer.pk, ip=ip,
                  details={"slug": layer.slug, "previous": previous, "style": style})


def layer_import_started(*, actor, job: ImportJob, ip: str | None = None) -> AuditEvent:
    return _write(Action.LAYER_IMPORT_STARTED, actor=actor, object_type="import_job", object_id=job.pk, ip=ip,
                  details={"layer": job.layer.slug, "file_name": job.file_name, "mode": job.mode})


# --- cameras ---------------------------------------------------------------------------------------------------

def camera_calibration_saved(*, actor, camera: Camera, pairs: int, rms_m: float, max_m: float,
                             ip: str | None = None) -> AuditEvent:
    return _write(Action.CAMERA_CALIBRATION_SAVED, actor=actor, object_type="camera", object_id=_camera_key(camera),
                  ip=ip, details={"camera": camera.ext_id, "pairs": pairs, "rms_m": rms_m, "max_m": max_m})


def camera_rules_saved(*, actor, camera: Camera, rules: list[dict], ip: str | None = None) -> AuditEvent:
    return _write(Action.CAMERA_RULES_SAVED, actor=actor, object_type="camera", object_id=_camera_key(camera), ip=ip,
                  details={"camera": camera.ext_id, "rules": [{"kind": rule.get("kind"), "name": rule.get("name")}
                                                              for rule in rules]})


# --- incidents -------------------------------------------------------------------------------------------------

def incident_assigned(*, actor, incident: Incident, agency: OrgUnit | None, previous: OrgUnit | None,
                      reason: str = "", ip: str | None = None) -> AuditEvent:
    return _write(Action.INCIDENT_ASSIGNED, actor=actor, object_type="incident", object_id=incident.pk, ip=ip,
                  details={"tracking_code": incident.tracking_code, "agency": agency.code if agency else None,
                           "previous": previous.code if previous else None, "reason": reason})


def incident_merged(*, actor, incident: Incident, into: Incident, ip: str | None = None) -> AuditEvent:
    return _write(Action.INCIDENT_MERGED, actor=actor, object_type="incident", object_id=incident.pk, ip=ip,
                  details={"tracking_code": incident.tracking_code, "into": into.pk,
                           "into_tracking_code": into.tracking_code})


def incident_bulk_action(*, actor, action: str, results: list[dict], ip: str | None = None) -> AuditEvent:
    """The batch as asked and as it went: each incident's own change is audited by its action too."""
    done = [row["id"] for row in results if row["ok"]]
    refused = {str(row["id"]): row.get("code", "") for row in results if not row["ok"]}
    return _write(Action.INCIDENT_BULK_ACTION, actor=actor, object_type="incident", object_id="bulk", ip=ip,
                  details={"action": action, "done": done, "refused": refused})


# --- personal data ---------------------------------------------------------------------------------------------

def reporter_contact_viewed(*, actor, incident: Incident, fields: list[str], via: str,
                            ip: str | None = None) -> AuditEvent:
    return _write(Action.REPORTER_CONTACT_VIEWED, actor=actor, object_type="incident", object_id=incident.pk, ip=ip,
                  details={"fields": fields, "via": via[:40]})


def incident_original_viewed(*, actor, media: IncidentMedia, ip: str | None = None) -> AuditEvent:
    return _write(Action.INCIDENT_ORIGINAL_VIEWED, actor=actor, object_type="incident", object_id=media.incident_id,
                  ip=ip, details={"media": media.pk, "via": "media"})


def violation_evidence_viewed(*, actor, evidence: ViolationEvidence, ip: str | None = None) -> AuditEvent:
    return _write(Action.VIOLATION_EVIDENCE_VIEWED, actor=actor, object_type="violation",
                  object_id=evidence.violation_id, ip=ip,
                  details={"evidence": evidence.pk, "role": evidence.role, "sha256": evidence.sha256})
