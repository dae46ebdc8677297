from django.urls import path

from . import change_views, terms_views, views
from .after_approval import urls as after_approval_urls

app_name = "applications"

urlpatterns = [
    path("", views.MyApplicationsView.as_view(), name="my_list"),
    path("new/", views.ApplicationCreateView.as_view(), name="create"),
    path("invitations/<int:member_pk>/", views.InvitationView.as_view(), name="invitation"),
    path("<int:pk>/", views.ApplicationDetailView.as_view(), name="detail"),
    path("<int:pk>/section/<slug:section>/", views.ApplicationSectionView.as_view(), name="section"),
    path("<int:pk>/team/invite/", views.MemberInviteView.as_view(), name="member_invite"),
    path("<int:pk>/team/<int:member_pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path("<int:pk>/attachments/add/", views.AttachmentAddView.as_view(), name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.AttachmentRemoveView.as_view(),
        name="attachment_remove",
    ),
    path("<int:pk>/submit/", views.ApplicationSubmitView.as_view(), name="submit"),
    path("<int:pk>/resubmit/", views.ApplicationResubmitView.as_view(), name="resubmit"),
    path("<int:pk>/ons-reference/", views.ApplicationOnsReferenceView.as_view(), name="ons_reference"),
    path("<int:pk>/withdraw/", views.ApplicationWithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/versions/<int:number>/", views.VersionDetailView.as_view(), name="version"),
    path("<int:pk>/questions/", views.QueryListView.as_view(), name="queries"),
    path("<int:pk>/questions/<int:query_pk>/answer/", views.QueryAnswerView.as_view(), name="query_answer"),
    path(
        "<int:pk>/changes/new/", change_views.ChangeRequestCreateView.as_view(), name="change_request_create"
    ),
    path(
        "<int:pk>/changes/<int:number>/",
        change_views.ChangeRequestDetailView.as_view(),
        name="change_request",
    ),
    path("<int:pk>/grant/resume/", change_views.GrantResumeView.as_view(), name="grant_resume"),
    path(
        "<int:pk>/changes/<int:number>/withdraw/",
        change_views.ChangeRequestWithdrawView.as_view(),
        name="change_request_withdraw",
    ),
    path("<int:pk>/terms/", terms_views.TermsAcceptView.as_view(), name="terms_accept"),
    # After approval: outputs, reports, closing early (applications/after_approval/urls.py)
    *after_approval_urls.urlpatterns,
]
