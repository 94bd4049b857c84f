"""Who may change a layer: data stewards of the organisation that owns it, or of the province IOC.

A layer nobody owns is the province's: a district IOC's or an agency's stewards may not change it."""

from portal.accounts.models import OrgUnit

__all__ = ["can_edit_layer"]


def can_edit_layer(user, layer) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm("layers.add_importjob"):
        return False
    org = user.org_unit
    if org is None:
        return False
    return org.kind == OrgUnit.Kind.PROVINCE_IOC or (layer.owner_id is not None and layer.owner_id == org.pk)
