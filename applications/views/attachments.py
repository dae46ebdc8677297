"""The documents attached to an application: add, download, remove."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView

from core.files import private_file_response
from core.views_support import DomainErrorFormMixin

from .. import services
from ..enums import ApplicationSection
from ..forms import AttachmentForm
from ._common import TeamApplicationMixin


class AttachmentAddView(DomainErrorFormMixin, TeamApplicationMixin, FormView):
    form_class = AttachmentForm
    template_name = "applications/attachment_add.html"

    def perform(self, form):
        self.call_service(
            services.application_attachment_add,
            application=self.application,
            actor=self.request.user,
            uploaded=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
        messages.success(self.request, "The document is attached.")
        return redirect("applications:section", pk=self.application.pk, section=ApplicationSection.PROJECT)


class AttachmentDownloadView(TeamApplicationMixin, View):
    http_method_names = ["get"]

    def get(self, request, pk: int, attachment_pk: int):
        attachment = get_object_or_404(self.application.attachments, pk=attachment_pk)
        return private_file_response(
            attachment.file, download_name=attachment.original_name, content_type="application/pdf"
        )


class AttachmentRemoveView(TeamApplicationMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int, attachment_pk: int):
        attachment = get_object_or_404(self.application.attachments, pk=attachment_pk)
        return self.call_service_then_section(
            services.application_attachment_remove,
            attachment=attachment,
            actor=request.user,
            section=ApplicationSection.PROJECT,
            success=f"{attachment.original_name} is removed.",
        )
