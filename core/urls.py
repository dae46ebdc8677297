from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/audit-log/", views.AuditLogView.as_view(), name="audit_log"),
    path("staff/audit-log/export.csv", views.AuditLogExportView.as_view(), name="audit_log_export"),
]
