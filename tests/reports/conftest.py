"""Report fixtures: the Ninh Thuận communes (real boundaries), categories and agencies, and a seeded month of
incidents ending with the week the tests report on."""

import pytest
from report_helpers import history

from incidents.models import Category
from layers.models import AdminUnit
from portal.accounts.models import OrgUnit
from reports.areas import area_of_unit


@pytest.fixture
def reports_dir(settings, tmp_path):
    settings.REPORTS_DIR = tmp_path / "reports"
    return settings.REPORTS_DIR


@pytest.fixture
def province(admin_units, db):
    return AdminUnit.objects.get(level="province", name="Ninh Thuận")


@pytest.fixture
def district(province):
    return AdminUnit.objects.get(level="district", name="Thành phố Phan Rang-Tháp Chàm", parent=province)


@pytest.fixture
def world(db, province):
    ioc = OrgUnit.objects.create(code="ioc-rep", name="IOC tỉnh (test)", kind=OrgUnit.Kind.PROVINCE_IOC,
                                 admin_unit=province)
    agencies = [OrgUnit.objects.create(code=f"agency-rep-{i}", name=name, kind=OrgUnit.Kind.AGENCY, parent=ioc)
                for i, name in enumerate(("Sở Xây dựng", "Cấp nước Ninh Thuận", "Điện lực Ninh Thuận"))]
    categories = [Category.objects.create(code=code, name_vi=name, name_en=name, deadline_days=days)
                  for code, name, days in (("o-ga-t", "Ổ gà", 5), ("ro-ri-t", "Rò rỉ nước", 1),
                                           ("rac-t", "Rác thải", 3), ("den-t", "Đèn đường", 2))]
    camera = Category.objects.create(code="vi-pham-t", name_vi="Vi phạm giao thông (camera)",
                                     name_en="Traffic violation", deadline_days=5, public_by_default=False)
    communes = list(AdminUnit.objects.filter(level="commune", parent__parent=province).select_related(
        "parent__parent"))
    return {"ioc": ioc, "agencies": agencies, "categories": categories, "camera": camera, "communes": communes}


@pytest.fixture
def incidents(world):
    return history(world, count=500)


@pytest.fixture
def province_area(province):
    return area_of_unit(province)
