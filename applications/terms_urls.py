"""The terms of access, at /terms/: public pages, then the staff's. (The page where a team member
accepts them belongs to the application: ``applications:terms_accept``.)"""

from django.urls import path

from . import terms_views as views

app_name = "terms"

urlpatterns = [
    path("", views.TermsInForceView.as_view(), name="current"),
    path("<int:number>/", views.TermsVersionView.as_view(), name="version"),
    path("staff/", views.StaffTermsListView.as_view(), name="staff_list"),
    path("staff/publish/", views.TermsPublishView.as_view(), name="staff_publish"),
    path("staff/not-accepted/", views.TermsNotAcceptedView.as_view(), name="staff_not_accepted"),
    path("staff/<int:number>/", views.StaffTermsVersionView.as_view(), name="staff_version"),
]
