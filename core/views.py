import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from . import selectors
from .csv import csv_response
from .filters import AuditEventFilter, filter_values, filters_refused
from .home import NextAction, next_actions_for
from .permissions import StaffRequiredMixin
from .services import audit_log_export
from .uploads import request_too_large_response

logger = logging.getLogger(__name__)


def home(request):
    user = request.user
    actions: list[NextAction] = []
    if user.is_authenticated:
        actions = next_actions_for(user)
        if user.is_researcher and not hasattr(user, "researcher_profile"):
            actions.insert(0, NextAction("Complete your researcher profile", reverse("accounts:profile")))
    return render(request, "core/home.html", {"actions": actions})


def error_400(request, exception=None):
    """Django's answer to a bad request; a body over the limits (``RequestDataTooBig``, from
    DATA_UPLOAD_MAX_MEMORY_SIZE or core.uploads.RequestBodyLimitUploadHandler) is a 413 instead."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large_response()
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    """The reason the view gave (``PermissionDenied("…")``, written for the person), else a general one."""
    reason = str(exception) if exception is not None else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    """Rendered without the request's context (context processors and the signed-in user may need the
    database, which may be what failed). The page says the staff have been told only when ADMINS is
    set: Django's mail_admins handler has then sent them the error."""
    body = loader.get_template("500.html").render({"staff_told": bool(settings.ADMINS)})
    return HttpResponseServerError(body)


class AuditLogView(StaffRequiredMixin, ListView):
    """Staff search the append-only audit log by actor, action, target and date."""

    template_name = "core/audit_log.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        self.filterset = AuditEventFilter(self.request.GET or None, queryset=selectors.audit_event_list())
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            filter=self.filterset, query_string=query.urlencode(), export_query=query.urlencode(), **kwargs
        )


class AuditLogExportView(StaffRequiredMixin, View):
    """The events that the same search shows, as CSV. The export is recorded in the log itself."""

    def get(self, request):
        filterset = AuditEventFilter(request.GET or None, queryset=selectors.audit_event_list())
        if refused := filters_refused(filterset):
            return refused
        rows = audit_log_export(actor=request.user, events=filterset.qs, filters=filter_values(filterset))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(filename=f"audit-log-{stamp}.csv", rows=rows, stream=True)
