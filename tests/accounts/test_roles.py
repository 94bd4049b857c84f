"""Roles are groups whose permissions come from one table; demo users get one role each."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import ROLES, sync_roles


@pytest.mark.django_db
def test_every_role_is_a_group_with_exactly_its_permissions():
    sync_roles()
    for role, perms in ROLES.items():
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert have == perms, role
    steward = User.objects.create_user("steward", password="x-long-password")
    steward.groups.add(Group.objects.get(name="data_steward"))
    planner = User.objects.create_user("planner", password="x-long-password")
    planner.groups.add(Group.objects.get(name="planner"))
    assert steward.has_perm("layers.change_adminunit")
    assert not planner.has_perm("layers.change_adminunit")
    assert planner.has_perm("layers.view_adminunit")


@pytest.mark.django_db
def test_a_role_naming_a_missing_permission_fails_loudly(monkeypatch):
    monkeypatch.setitem(ROLES, "planner", {"layers.fly_adminunit"})
    with pytest.raises(LookupError, match="layers.fly_adminunit"):
        sync_roles()


@pytest.mark.django_db
def test_load_demo_creates_one_user_per_role_and_prints_passwords_once(admin_units, capsys, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", parcels=1000)
    first = capsys.readouterr().out
    for role in ROLES:
        username = f"demo-{role.replace('_', '-')}"
        user = User.objects.get(username=username)
        assert user.roles == [role]
        password = next(line.split()[1] for line in first.splitlines() if line.strip().startswith(username + " "))
        assert user.check_password(password)
        assert password not in str(user.password)
    agency_user = User.objects.get(username="demo-agency-staff")
    assert agency_user.org_unit.kind == OrgUnit.Kind.AGENCY
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT_IOC, admin_unit__parent__name="Ninh Thuận").count() == 7
    call_command("load_demo", parcels=1000)
    assert "demo-" not in capsys.readouterr().out
