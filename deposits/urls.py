from django.urls import path

from . import views

app_name = "deposits"

urlpatterns = [
    path("", views.CatalogueView.as_view(), name="catalogue"),
    # Staff screens come before the public "<reference>/" pattern.
    path("staff/", views.StaffDepositListView.as_view(), name="staff_list"),
    path("staff/export.csv", views.StaffDepositExportView.as_view(), name="staff_export"),
    path("staff/new/", views.StaffDepositCreateView.as_view(), name="staff_create"),
    path("staff/sensitive-uses/", views.SensitiveUseListView.as_view(), name="staff_sensitive_uses"),
    path(
        "staff/sensitive-uses/new/", views.SensitiveUseCreateView.as_view(), name="staff_sensitive_use_create"
    ),
    path(
        "staff/sensitive-uses/<int:pk>/",
        views.SensitiveUseEditView.as_view(),
        name="staff_sensitive_use_edit",
    ),
    path("staff/<reference:reference>/", views.StaffDepositDetailView.as_view(), name="staff_detail"),
    path(
        "staff/<reference:reference>/edit/<slug:section>/",
        views.StaffDepositEditView.as_view(),
        name="staff_edit",
    ),
    path(
        "staff/<reference:reference>/documents/new/",
        views.StaffDocumentAddView.as_view(),
        name="staff_document_add",
    ),
    path(
        "staff/<reference:reference>/documents/<int:pk>/",
        views.StaffDocumentDownloadView.as_view(),
        name="staff_document_download",
    ),
    path("staff/<reference:reference>/status/", views.StaffStatusChangeView.as_view(), name="staff_status"),
    path("staff/<reference:reference>/approve/", views.StaffApproveView.as_view(), name="staff_approve"),
    path(
        "staff/<reference:reference>/changes/<int:pk>/approve/",
        views.StaffChangeApproveView.as_view(),
        name="staff_change_approve",
    ),
    path(
        "staff/<reference:reference>/changes/<int:pk>/reject/",
        views.StaffChangeRejectView.as_view(),
        name="staff_change_reject",
    ),
    path("staff/<reference:reference>/history/", views.StaffHistoryView.as_view(), name="staff_history"),
    path("<reference:reference>/", views.DepositDetailView.as_view(), name="detail"),
    path("<reference:reference>/documents/<int:pk>/", views.public_document_download, name="public_document"),
]
