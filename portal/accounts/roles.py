"""The roles of the portal as Django groups, and the permissions each one carries.

Anonymous citizens have no group: they are simply not logged in. Each later app adds the
permissions its role needs here, so that one table says who may do what.
"""

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _

__all__ = ["ROLES", "ROLE_LABELS", "sync_roles"]

CITIZEN = "citizen"
DISPATCHER = "dispatcher"
AGENCY_STAFF = "agency_staff"
PLANNER = "planner"
DATA_STEWARD = "data_steward"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    CITIZEN: _("Registered citizen"),
    DISPATCHER: _("Dispatcher"),
    AGENCY_STAFF: _("Agency staff"),
    PLANNER: _("Planner"),
    DATA_STEWARD: _("Data steward"),
    ADMINISTRATOR: _("Administrator"),
}

_LAYER_MODELS = ("layer", "landparcel", "planzone", "plandecision", "networknode", "networksegment",
                 "irrigationwork", "canal", "irrigatedarea", "camera", "rasterlayer", "importjob")
_VIEW_LAYERS = {f"layers.view_{model}" for model in _LAYER_MODELS}
_EDIT_LAYERS = {f"layers.{verb}_{model}" for model in _LAYER_MODELS for verb in ("add", "change", "delete")}

# Incidents: agency staff work on their own agency's reports (object rule in incidents.access); dispatchers
# triage, assign and record hotline calls for all. Both may see reporters' contacts, and each look is logged.
_HANDLE_INCIDENTS = {"incidents.view_incident", "incidents.handle_incident", "incidents.view_reporter",
                     "incidents.view_category"}
_DISPATCH_INCIDENTS = {*_HANDLE_INCIDENTS, "incidents.dispatch_incident", "incidents.record_call",
                       "incidents.view_routingrule", "incidents.add_routingrule", "incidents.change_routingrule",
                       "incidents.delete_routingrule"}

# Reports: IOC staff read them and ask for ad-hoc ones; agency staff read them (district IOC staff only their
# district's: reports.access); administrators also manage who receives the newsletter.
_READ_REPORTS = {"reports.view_reportrun", "reports.view_reportfile"}
_RUN_REPORTS = {*_READ_REPORTS, "reports.run_report"}
_MANAGE_NEWSLETTER = {"reports.view_newslettersubscription", "reports.add_newslettersubscription",
                      "reports.change_newslettersubscription", "reports.delete_newslettersubscription",
                      "reports.view_newslettermessage"}

# role -> "app_label.codename" permissions. An unknown name is an error, not a silent skip.
ROLES: dict[str, set[str]] = {
    CITIZEN: set(),
    DISPATCHER: {"layers.view_adminunit", "accounts.view_orgunit", *_VIEW_LAYERS, *_DISPATCH_INCIDENTS,
                 *_RUN_REPORTS},
    AGENCY_STAFF: {"layers.view_adminunit", "accounts.view_orgunit", *_VIEW_LAYERS, *_HANDLE_INCIDENTS,
                   *_READ_REPORTS},
    PLANNER: {"layers.view_adminunit", *_VIEW_LAYERS, "geoprocessing.run_planner_queries"},
    DATA_STEWARD: {
        *_VIEW_LAYERS, *_EDIT_LAYERS,
        "layers.view_adminunit", "layers.add_adminunit", "layers.change_adminunit", "layers.delete_adminunit",
        "layers.view_adminunitsuccession", "layers.add_adminunitsuccession", "layers.change_adminunitsuccession",
    },
    ADMINISTRATOR: {
        "accounts.view_user", "accounts.add_user", "accounts.change_user",
        "accounts.view_orgunit", "accounts.add_orgunit", "accounts.change_orgunit", "accounts.delete_orgunit",
        "accounts.view_apitoken", "accounts.change_apitoken",
        "accounts.view_auditevent",  # the audit log: read only, for everyone (portal.accounts.admin)
        "layers.view_adminunit", "layers.view_adminunitsuccession", *_VIEW_LAYERS, *_RUN_REPORTS,
        *_MANAGE_NEWSLETTER,
    },
}


def sync_roles() -> dict[str, int]:
    """Create every role's group and give it exactly the permissions listed above."""
    wanted = {perm for perms in ROLES.values() for perm in perms}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    unknown = sorted(wanted - found.keys())
    if unknown:
        raise LookupError(f"roles name permissions that do not exist: {', '.join(unknown)}")
    counts = {}
    for role, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([found[perm] for perm in perms])
        counts[role] = len(perms)
    return counts


def sync_roles_after_migrate(sender, app_config=None, **kwargs):
    from django.apps import apps

    # migrate signals each app in turn; only after the last one do all the permissions exist.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is last:
        sync_roles()
