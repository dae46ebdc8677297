"""Under ``applications/``, in the applications namespace (applications/urls.py lists these patterns)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/outputs/", views.OutputsView.as_view(), name="outputs"),
    path("<int:pk>/outputs/add/", views.OutputCreateView.as_view(), name="output_add"),
    path("<int:pk>/outputs/<int:output_pk>/edit/", views.OutputEditView.as_view(), name="output_edit"),
    path("<int:pk>/outputs/<int:output_pk>/remove/", views.OutputRemoveView.as_view(), name="output_remove"),
    path("<int:pk>/reports/<int:report_pk>/", views.ReportView.as_view(), name="report"),
    path("<int:pk>/close/", views.CloseEarlyView.as_view(), name="close"),
]
