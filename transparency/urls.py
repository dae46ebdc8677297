from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    # Public information pages (the footer links two of them)
    path("about/<slug:slug>/", views.InfoPageView.as_view(), name="page"),
    path("about/<slug:slug>/versions/", views.InfoPageHistoryView.as_view(), name="page_history"),
    path(
        "about/<slug:slug>/versions/<int:number>/", views.InfoPageVersionView.as_view(), name="page_version"
    ),
    # The public register of approved projects
    path("register/", views.RegisterListView.as_view(), name="register"),
    path("register.csv", views.register_csv, name="register_csv"),
    path("register.json", views.register_json, name="register_json"),
    path("register/<reference:reference>/", views.RegisterDetailView.as_view(), name="register_detail"),
    # Staff
    path("oversight/", views.DashboardView.as_view(), name="dashboard"),
    path("oversight/applications.csv", views.ApplicationsExportView.as_view(), name="export_applications"),
    path("oversight/decisions.csv", views.DecisionsExportView.as_view(), name="export_decisions"),
    path("oversight/reports/", views.LateReportsView.as_view(), name="reports_late"),
    path("oversight/pages/", views.StaffInfoPageListView.as_view(), name="staff_pages"),
    path("oversight/pages/<slug:slug>/edit/", views.InfoPageEditView.as_view(), name="page_edit"),
]
