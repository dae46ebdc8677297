"""Under ``applications/<pk>/``, in the applications namespace (included by applications/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("outputs/", views.OutputsView.as_view(), name="outputs"),
    path("outputs/add/", views.OutputCreateView.as_view(), name="output_add"),
    path("outputs/<int:output_pk>/edit/", views.OutputEditView.as_view(), name="output_edit"),
    path("outputs/<int:output_pk>/remove/", views.OutputRemoveView.as_view(), name="output_remove"),
    path("reports/<int:report_pk>/", views.ReportView.as_view(), name="report"),
    path("close/", views.CloseEarlyView.as_view(), name="close"),
]
