"""Ship the common types of self-management groups; administrators add more."""

from django.db import migrations

GROUP_TYPES = [
    ("lien_gia_tu_quan", "Nhóm liên gia tự quản"),
    ("to_an_ninh_nhan_dan", "Tổ an ninh nhân dân"),
    ("to_hoa_giai", "Tổ hòa giải"),
    ("to_pccc", "Tổ phòng cháy chữa cháy"),
    ("to_tu_quan_antt", "Tổ tự quản về an ninh, trật tự"),
    ("clb_phong_chong_toi_pham", "Câu lạc bộ phòng, chống tội phạm"),
    ("camera_an_ninh", "Camera an ninh"),
    ("khu_dan_cu_tu_quan", "Khu dân cư tự quản về an ninh, trật tự"),
]


def add_types(apps, schema_editor):
    GroupType = apps.get_model("registries", "GroupType")
    for code, name in GROUP_TYPES:
        GroupType.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("registries", "0001_initial")]

    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
