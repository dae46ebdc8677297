"""Thin views: public pages and register, staff editing, dashboard and exports."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.generic import FormView, ListView, TemplateView, View

from applications.after_approval.selectors import reports_late
from core.csv import csv_response
from core.errors import DomainError
from core.filters import filter_values, filters_refused
from core.permissions import StaffRequiredMixin, is_staff_member
from core.rendering import markdown_to_safe_html

from . import selectors
from .dur import DUR_HEADERS, dur_record, dur_row
from .exports import (
    APPLICATION_EXPORT_FIELDS,
    DECISION_EXPORT_FIELDS,
    application_export_row,
    decision_export_row,
    json_response,
)
from .filters import DashboardFilter, RegisterFilter
from .forms import InfoPageForm
from .services import export_record, info_page_update

# --- information pages ----------------------------------------------------------------------------


class InfoPageView(TemplateView):
    """Public on purpose."""

    template_name = "transparency/page.html"

    def get_context_data(self, **kwargs):
        page = selectors.info_page_get(slug=self.kwargs["slug"])
        if page is None:
            raise Http404
        return super().get_context_data(
            page=page,
            body_html=markdown_to_safe_html(page.body),
            can_edit=is_staff_member(self.request.user),
            **kwargs,
        )


class InfoPageHistoryView(ListView):
    """Public on purpose: every published version of a page, newest first."""

    template_name = "transparency/page_history.html"
    context_object_name = "versions"

    def get_queryset(self):
        self.page = selectors.info_page_get(slug=self.kwargs["slug"])
        if self.page is None:
            raise Http404
        return selectors.info_page_versions(page=self.page)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page, show_editors=is_staff_member(self.request.user), **kwargs
        )


class InfoPageVersionView(TemplateView):
    """Public on purpose: one earlier version, as it was published."""

    template_name = "transparency/page_version.html"

    def get_context_data(self, **kwargs):
        version = selectors.info_page_version_get(slug=self.kwargs["slug"], number=self.kwargs["number"])
        if version is None:
            raise Http404
        return super().get_context_data(
            version=version,
            page=version.page,
            body_html=markdown_to_safe_html(version.body),
            changes=selectors.info_page_version_changes(version),
            **kwargs,
        )


class StaffInfoPageListView(StaffRequiredMixin, ListView):
    template_name = "transparency/staff_pages.html"
    context_object_name = "pages"

    def get_queryset(self):
        return selectors.info_page_list()


class InfoPageEditView(StaffRequiredMixin, FormView):
    template_name = "transparency/page_edit.html"
    form_class = InfoPageForm

    def dispatch(self, request, *args, **kwargs):
        self.page = selectors.info_page_get(slug=kwargs["slug"])
        if self.page is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "page": self.page}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=self.page, page_title=f"Edit: {self.page.title}", **kwargs)

    def form_valid(self, form):
        before = self.page.version
        try:
            page = info_page_update(
                page=self.page,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                change_note=form.cleaned_data["change_note"],
                base_version=form.cleaned_data["base_version"],
                actor=self.request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if page.version == before:
            messages.info(self.request, "Nothing changed, so no new version was published.")
        else:
            messages.success(self.request, f"Version {page.version} of “{page.title}” is published.")
        return redirect("transparency:page", slug=page.slug)


# --- the public register --------------------------------------------------------------------------


def _query_string_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)  # each download link names its own
    params.pop("refresh", None)  # the dashboard's "work them out now" link adds its own
    return params.urlencode()


class RegisterListView(ListView):
    """Public on purpose: the register of approved projects, searchable and filterable."""

    template_name = "transparency/register.html"
    paginate_by = 20

    def get_queryset(self):
        self.filterset = RegisterFilter(self.request.GET or None, queryset=selectors.register_queryset())
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query_string = _query_string_without_page(self.request)
        return {
            **context,
            "filter": self.filterset,
            "entries": selectors.register_entries(context["page_obj"].object_list),
            "query_string": query_string,
            "download_query": f"?{query_string}" if query_string else "",
        }


class RegisterDetailView(TemplateView):
    """Public on purpose: one project in the register."""

    template_name = "transparency/register_detail.html"

    def get_context_data(self, **kwargs):
        entry = selectors.register_entry_get(reference=self.kwargs["reference"])
        if entry is None:
            raise Http404
        return super().get_context_data(entry=entry, **kwargs)


def _register_download_entries(request):
    filterset = RegisterFilter(request.GET or None, queryset=selectors.register_queryset())
    if refused := filters_refused(filterset):
        return None, None, refused
    return selectors.register_entries(filterset.qs), filter_values(filterset), None


#: The CSV layouts ``format=`` chooses: the register's own columns (the default), or the UK
#: data-use-register template's.
REGISTER_CSV_FORMATS = ("register", "dur")


@require_GET
def register_csv(request):
    """Public on purpose: the register as CSV, with the page's filters. ``format=dur`` gives the
    31 columns of the UK data-use-register template instead of the register's own."""
    layout = request.GET.get("format") or "register"
    if layout not in REGISTER_CSV_FORMATS:
        return HttpResponseBadRequest(
            "Unknown format. Leave format out for the register's own columns, or use format=dur for the "
            "UK Health Data Research Alliance data-use-register template.",
            content_type="text/plain; charset=utf-8",
        )
    entries, _filters, error = _register_download_entries(request)
    if error:
        return error
    if layout == "dur":
        return csv_response(
            filename=f"public-register-dur-{timezone.localdate():%Y-%m-%d}.csv",
            header=DUR_HEADERS,
            rows=[dur_row(entry) for entry in entries],
        )
    rows = []
    for entry in entries:
        data = entry.as_json()
        data["deposits"] = "; ".join(f"{d.reference} {d.title}" for d in entry.deposits)
        data["outputs"] = "; ".join(output.as_text() for output in entry.outputs)
        rows.append([data[field] or "" for field in selectors.REGISTER_FIELDS])
    return csv_response(
        filename=f"public-register-{timezone.localdate():%Y-%m-%d}.csv",
        header=selectors.REGISTER_FIELDS,
        rows=rows,
    )


@require_GET
def register_json(request):
    """Public on purpose: the register as JSON, with the page's filters."""
    entries, filters, error = _register_download_entries(request)
    if error:
        return error
    return json_response(
        filename=f"public-register-{timezone.localdate():%Y-%m-%d}.json",
        data={
            "generated_at": timezone.now(),
            "filters": filters,
            "count": len(entries),
            "results": [{**entry.as_json(), "dur": dur_record(entry)} for entry in entries],
        },
    )


# --- the staff dashboard and exports ----------------------------------------------------------------


def _dashboard_filterset(request):
    return DashboardFilter(request.GET or None, queryset=selectors.dashboard_applications())


class DashboardView(StaffRequiredMixin, TemplateView):
    template_name = "transparency/dashboard.html"

    def get_context_data(self, **kwargs):
        filterset = _dashboard_filterset(self.request)
        query_string = _query_string_without_page(self.request)
        valid = not filterset.is_bound or filterset.is_valid()
        figures = selectors.dashboard_figures(
            applications=filterset.qs,
            filters=filter_values(filterset) if valid else None,
            refresh=self.request.GET.get("refresh") == "1",
        )
        return super().get_context_data(
            filter=filterset,
            data=figures.data,
            figures=figures,
            refresh_query=f"?{query_string}&refresh=1" if query_string else "?refresh=1",
            download_query=f"?{query_string}" if query_string else "",
            **kwargs,
        )


def _dashboard_export(request, *, kind: str):
    filterset = _dashboard_filterset(request)
    if refused := filters_refused(filterset):
        return None, refused
    export_record(actor=request.user, kind=kind, filters=filter_values(filterset))
    return filterset.qs, None


class ApplicationsExportView(StaffRequiredMixin, View):
    """Applications as CSV with the dashboard's filters applied."""

    def get(self, request):
        applications, error = _dashboard_export(request, kind="applications")
        if error:
            return error
        rows = selectors.export_applications_queryset(applications)
        return csv_response(
            filename=f"applications-{timezone.localdate():%Y-%m-%d}.csv",
            header=APPLICATION_EXPORT_FIELDS,
            rows=(application_export_row(app) for app in rows),
        )


class DecisionsExportView(StaffRequiredMixin, View):
    """Decisions as CSV with the dashboard's filters applied. Votes and comments are not in it."""

    def get(self, request):
        applications, error = _dashboard_export(request, kind="decisions")
        if error:
            return error
        rows = selectors.export_decisions_queryset(applications)
        return csv_response(
            filename=f"decisions-{timezone.localdate():%Y-%m-%d}.csv",
            header=DECISION_EXPORT_FIELDS,
            rows=(decision_export_row(decision) for decision in rows),
        )


class LateReportsView(StaffRequiredMixin, TemplateView):
    """Progress and closing reports past their deadline: project, report, due date, days late."""

    template_name = "transparency/reports_late.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            late=reports_late(today=timezone.localdate()), closing_days=settings.CLOSING_REPORT_DAYS, **kwargs
        )
