"""Who may do what here, from the roles' permissions (portal.accounts.roles): data stewards set cameras up,
dispatchers review what cameras found; staff who see the camera layer see its counts."""

__all__ = ["can_set_up", "can_review", "can_see_counts"]


def can_set_up(user) -> bool:
    """Reference frame, calibration, rules, and running analyses: the camera layer's editors."""
    return bool(user and user.is_authenticated and user.has_perm("layers.change_camera"))


def can_review(user) -> bool:
    """Violations with their private evidence, and running analyses: dispatchers (and the set-up roles)."""
    return bool(user and user.is_authenticated and (user.has_perm("incidents.dispatch_incident") or can_set_up(user)))


def can_see_counts(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("layers.view_camera"))
