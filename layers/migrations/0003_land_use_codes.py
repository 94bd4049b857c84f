"""The Vietnamese land-use classification (mã loại đất) the parcels and plan zones refer to."""

from django.db import migrations

# (code, Vietnamese name, English name, group) — the codes used on cadastral maps and land-use plans.
CODES = [
    ("LUC", "Đất chuyên trồng lúa nước", "Wet rice land (two or more crops)", "agricultural"),
    ("LUK", "Đất trồng lúa nước còn lại", "Other wet rice land", "agricultural"),
    ("LUN", "Đất trồng lúa nương", "Upland rice land", "agricultural"),
    ("BHK", "Đất bằng trồng cây hàng năm khác", "Flat land for other annual crops", "agricultural"),
    ("NHK", "Đất nương rẫy trồng cây hàng năm khác", "Shifting cultivation of other annual crops", "agricultural"),
    ("CLN", "Đất trồng cây lâu năm", "Perennial crop land", "agricultural"),
    ("RSX", "Đất rừng sản xuất", "Production forest land", "agricultural"),
    ("RPH", "Đất rừng phòng hộ", "Protection forest land", "agricultural"),
    ("RDD", "Đất rừng đặc dụng", "Special-use forest land", "agricultural"),
    ("NTS", "Đất nuôi trồng thủy sản", "Aquaculture land", "agricultural"),
    ("LMU", "Đất làm muối", "Salt production land", "agricultural"),
    ("NKH", "Đất nông nghiệp khác", "Other agricultural land", "agricultural"),
    ("ONT", "Đất ở tại nông thôn", "Rural residential land", "non_agricultural"),
    ("ODT", "Đất ở tại đô thị", "Urban residential land", "non_agricultural"),
    ("TSC", "Đất xây dựng trụ sở cơ quan", "Government office land", "non_agricultural"),
    ("DTS", "Đất xây dựng trụ sở của tổ chức sự nghiệp", "Public service organisation land", "non_agricultural"),
    ("DVH", "Đất xây dựng cơ sở văn hóa", "Cultural facility land", "non_agricultural"),
    ("DYT", "Đất xây dựng cơ sở y tế", "Health facility land", "non_agricultural"),
    ("DGD", "Đất xây dựng cơ sở giáo dục và đào tạo", "Education facility land", "non_agricultural"),
    ("DTT", "Đất xây dựng cơ sở thể dục thể thao", "Sports facility land", "non_agricultural"),
    ("CQP", "Đất quốc phòng", "Defence land", "non_agricultural"),
    ("CAN", "Đất an ninh", "Security land", "non_agricultural"),
    ("SKK", "Đất khu công nghiệp", "Industrial park land", "non_agricultural"),
    ("SKC", "Đất cơ sở sản xuất phi nông nghiệp", "Non-agricultural production land", "non_agricultural"),
    ("TMD", "Đất thương mại, dịch vụ", "Commercial and service land", "non_agricultural"),
    ("SKS", "Đất sử dụng cho hoạt động khoáng sản", "Mining land", "non_agricultural"),
    ("DGT", "Đất giao thông", "Transport land", "non_agricultural"),
    ("DTL", "Đất thủy lợi", "Irrigation land", "non_agricultural"),
    ("DNL", "Đất công trình năng lượng", "Energy infrastructure land", "non_agricultural"),
    ("DBV", "Đất công trình bưu chính, viễn thông", "Post and telecom land", "non_agricultural"),
    ("DCH", "Đất chợ", "Market land", "non_agricultural"),
    ("DKV", "Đất khu vui chơi, giải trí công cộng", "Public recreation land", "non_agricultural"),
    ("DRA", "Đất bãi thải, xử lý chất thải", "Waste disposal land", "non_agricultural"),
    ("NTD", "Đất nghĩa trang, nhà tang lễ, nhà hỏa táng", "Cemetery land", "non_agricultural"),
    ("TON", "Đất cơ sở tôn giáo", "Religious land", "non_agricultural"),
    ("TIN", "Đất cơ sở tín ngưỡng", "Belief (worship) land", "non_agricultural"),
    ("SON", "Đất sông, ngòi, kênh, rạch, suối", "Rivers, canals and streams", "non_agricultural"),
    ("MNC", "Đất có mặt nước chuyên dùng", "Special-use water surface", "non_agricultural"),
    ("CXK", "Đất cây xanh công cộng", "Public green space", "non_agricultural"),
    ("PNK", "Đất phi nông nghiệp khác", "Other non-agricultural land", "non_agricultural"),
    ("BCS", "Đất bằng chưa sử dụng", "Unused flat land", "unused"),
    ("DCS", "Đất đồi núi chưa sử dụng", "Unused hilly land", "unused"),
    ("NCS", "Núi đá không có rừng cây", "Rocky mountain without forest", "unused"),
]


def load(apps, schema_editor):
    LandUseCode = apps.get_model("layers", "LandUseCode")
    for code, name_vi, name_en, group in CODES:
        LandUseCode.objects.update_or_create(code=code, defaults={"name_vi": name_vi, "name_en": name_en,
                                                                  "group": group})


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_domain_layers")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
