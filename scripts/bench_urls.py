"""The benchmark's URLconf: every portal URL, plus two baselines measured in the same run over the
same rows with the same users.

- ``bench/admin/``: Django's admin changelist of applications on a private AdminSite (100 per page,
  ``list_select_related``), as a developer would get it for free.
- ``bench/applications/``: a bare ``ListView`` of the same rows as the staff list (50 per page,
  ``select_related``, ordered by the indexed ``submitted_at``), behind the same staff check and in
  the same page chrome (it extends base.html).
"""

from django.contrib import admin
from django.template import engines
from django.urls import path
from django.views.generic import ListView

from applications.enums import ApplicationStatus
from applications.models import Application
from archive_portal.urls import handler400, handler403, handler404, handler500  # noqa: F401 (re-exported)
from archive_portal.urls import urlpatterns as portal_urlpatterns
from core.permissions import StaffRequiredMixin

bench_admin_site = admin.AdminSite(name="bench_admin")


class BenchApplicationAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "lead", "status", "submitted_at"]
    list_select_related = ["lead"]
    list_per_page = 100


bench_admin_site.register(Application, BenchApplicationAdmin)

BARE_LIST_TEMPLATE = engines["django"].from_string(
    """{% extends "base.html" %}
{% block title %}Applications (bare list){% endblock %}
{% block content %}
<h1 class="h2">Applications</h1>
<table class="table table-sm">
<caption>Submitted applications, newest first</caption>
<thead><tr><th scope="col">Reference</th><th scope="col">Title</th><th scope="col">Lead</th>
<th scope="col">Status</th><th scope="col">Submitted</th></tr></thead>
<tbody>
{% for application in object_list %}
<tr><td>{{ application.reference }}</td><td>{{ application.title }}</td>
<td>{{ application.lead.full_name }}</td><td>{{ application.get_status_display }}</td>
<td>{{ application.submitted_at|date:"j M Y" }}</td></tr>
{% endfor %}
</tbody>
</table>
{% if page_obj.has_next %}<a href="?page={{ page_obj.next_page_number }}">Next</a>{% endif %}
{% endblock %}"""
)


class BareApplicationListView(StaffRequiredMixin, ListView):
    paginate_by = 50

    def get_queryset(self):
        return (
            Application.objects.exclude(status=ApplicationStatus.DRAFT)
            .select_related("lead")
            .order_by("-submitted_at")
        )

    def get_template_names(self):
        return BARE_LIST_TEMPLATE  # a Template object: TemplateResponse uses it as is


urlpatterns = [
    path("bench/admin/", bench_admin_site.urls),
    path("bench/applications/", BareApplicationListView.as_view(), name="bench_bare_list"),
    *portal_urlpatterns,
]
