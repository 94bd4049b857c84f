"""The data steward's import pages: upload, map the fields, follow the job."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.ratelimit import client_ip

from .errors import LayersError
from .forms import MappingForm, UploadForm
from .importing import ImportOptions
from .importing.runner import guess_mapping
from .importing.source import inspect
from .imports import deleted_if_refused, do_queue_import, store_upload
from .models import ImportJob, Layer
from .permissions import can_edit_layer
from .registry import get_kind

_SALT = "layers.import-upload"


def _editable_layers(user):
    ids = [layer.pk for layer in Layer.objects.visible_to(user).exclude(kind="raster") if can_edit_layer(user, layer)]
    return Layer.objects.filter(pk__in=ids)


def _store_and_inspect(upload, options: ImportOptions):
    """The upload kept for the mapping step, and what it holds; a file refused here is not kept."""
    path = store_upload(upload.name, upload.chunks(), upload.size)
    with deleted_if_refused(path):
        return path, inspect(path, options.source_layer, archive_checked=True)


@login_required
@permission_required("layers.add_importjob", raise_exception=True)
def upload(request):
    layers = _editable_layers(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, layers=layers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = ImportOptions(mode=data["mode"], srid=data["srid"] or None,
                                vn2000_province=data["vn2000_province"] or None,
                                source_layer=data["source_layer"] or None)
        try:
            path, info = _store_and_inspect(data["file"], options)
        except LayersError as exc:
            form.add_error("file", exc.user_msg)
        else:
            token = signing.dumps({"user": request.user.pk, "layer": data["layer"].pk, "path": str(path),
                                   "name": data["file"].name, "options": options.__dict__}, salt=_SALT)
            kind = get_kind(data["layer"].kind)
            mapping_form = MappingForm(columns=kind.import_columns.values(), fields=info.fields,
                                       initial_mapping=guess_mapping(kind, info.fields))
            return render(request, "layers/import_mapping.html", {
                "form": mapping_form, "token": token, "layer": data["layer"], "info": info})
    return render(request, "layers/import_upload.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("layers.add_importjob", raise_exception=True)
def start(request):
    if request.method != "POST":
        return redirect("layers:import-upload")
    try:
        state = signing.loads(request.POST.get("token", ""), salt=_SALT, max_age=3600)
    except signing.BadSignature as exc:
        raise Http404(_("This upload has expired; upload the file again.")) from exc
    layer = get_object_or_404(Layer, pk=state["layer"])
    path = Path(state["path"])
    if state["user"] != request.user.pk or not can_edit_layer(request.user, layer) or not path.is_relative_to(
            settings.IMPORT_UPLOAD_DIR):
        raise Http404
    kind = get_kind(layer.kind)
    form = MappingForm(request.POST, columns=kind.import_columns.values(), fields=inspect(
        path, state["options"]["source_layer"], archive_checked=True).fields)
    if form.is_valid():
        mapping, constants = form.mapping()
        options = ImportOptions(**{**state["options"], "mapping": mapping, "constants": constants})
        try:
            job = do_queue_import(layer=layer, path=path, file_name=state["name"], options=options, user=request.user,
                                  ip=client_ip(request))
        except LayersError as exc:
            # A refused upload is deleted, so the steward starts again from the upload form.
            upload_form = UploadForm(layers=_editable_layers(request.user), initial={"layer": layer})
            return render(request, "layers/import_upload.html", {"form": upload_form, "refused": exc.user_msg},
                          status=400)
        return redirect("layers:import-job", job_id=job.pk)
    return render(request, "layers/import_mapping.html",
                  {"form": form, "token": request.POST["token"], "layer": layer}, status=400)


@login_required
def job(request, job_id: int):
    found = get_object_or_404(ImportJob.objects.select_related("layer"), pk=job_id)
    if found.created_by_id != request.user.pk and not can_edit_layer(request.user, found.layer):
        raise Http404
    return render(request, "layers/import_job.html", {"job": found})
