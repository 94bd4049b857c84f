"""Forms of the data steward's import pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportJob, Layer


class UploadForm(forms.Form):
    layer = forms.ModelChoiceField(queryset=Layer.objects.none(), label=_("Layer"))
    file = forms.FileField(label=_("File (GeoPackage, GeoJSON, zipped Shapefile, DXF, KML, FlatGeobuf, CSV…)"))
    source_layer = forms.CharField(required=False, label=_("Layer inside the file (if it has several)"))
    srid = forms.CharField(required=False, label=_("EPSG code, if the file has no CRS"))
    vn2000_province = forms.CharField(required=False, label=_("…or its VN-2000 province (e.g. Ninh Thuận)"))
    mode = forms.ChoiceField(choices=ImportJob.Mode.choices, label=_("Mode"))

    def __init__(self, *args, layers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layer"].queryset = layers if layers is not None else Layer.objects.none()


class MappingForm(forms.Form):
    """One choice per layer column: a field of the file, a constant, or nothing."""

    def __init__(self, *args, columns=(), fields=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(name, name) for name in fields]]
        initial_mapping = initial_mapping or {}
        for column in columns:
            self.fields[f"map_{column.name}"] = forms.ChoiceField(
                choices=choices, required=False, label=f"{column.label_vi} ({column.name})",
                initial=initial_mapping.get(column.name, ""))
            self.fields[f"set_{column.name}"] = forms.CharField(required=False, label=_("or the value"))

    def mapping(self) -> tuple[dict[str, str], dict[str, str]]:
        mapping, constants = {}, {}
        for key, value in self.cleaned_data.items():
            if value and key.startswith("map_"):
                mapping[key[4:]] = value
            elif value and key.startswith("set_"):
                constants[key[4:]] = value
        return mapping, constants
