from django.urls import path

from . import change_views, views

app_name = "panel"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("applications/<reference:reference>/declare/", views.DeclareView.as_view(), name="declare"),
    path("applications/<reference:reference>/", views.ReviewView.as_view(), name="review"),
    path(
        "applications/<reference:reference>/attachments/<int:pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path(
        "applications/<reference:reference>/versions/<int:number>/",
        views.VersionView.as_view(),
        name="version",
    ),
    path("applications/<reference:reference>/vote/", views.VoteView.as_view(), name="vote"),
    path("applications/<reference:reference>/tally/", views.TallyView.as_view(), name="tally"),
    path("applications/<reference:reference>/decide/", views.DecideView.as_view(), name="decide"),
    path("applications/<reference:reference>/query/", views.QueryView.as_view(), name="query"),
    path("decisions/<reference:reference>/", views.DecisionLetterView.as_view(), name="decision_letter"),
    path(
        "changes/<reference:reference>/declare/",
        change_views.ChangeDeclareView.as_view(),
        name="change_declare",
    ),
    path("changes/<reference:reference>/", change_views.ChangeReviewView.as_view(), name="change_review"),
    path("changes/<reference:reference>/vote/", change_views.ChangeVoteView.as_view(), name="change_vote"),
    path(
        "changes/<reference:reference>/decide/", change_views.ChangeDecideView.as_view(), name="change_decide"
    ),
    path("staff/changes/", change_views.StaffChangeRequestListView.as_view(), name="staff_change_requests"),
    path(
        "staff/changes/<reference:reference>/",
        change_views.StaffChangeRequestView.as_view(),
        name="staff_change_request",
    ),
    path("interests/", views.InterestsView.as_view(), name="interests"),
    path("interests/<int:pk>/withdraw/", views.InterestWithdrawView.as_view(), name="interest_withdraw"),
    path("interests/register/", views.InterestRegisterView.as_view(), name="interest_register"),
    path("staff/applications/", views.StaffApplicationListView.as_view(), name="staff_applications"),
    path(
        "staff/applications/<reference:reference>/",
        views.StaffApplicationView.as_view(),
        name="staff_application",
    ),
    path(
        "staff/applications/<reference:reference>/attachments/<int:pk>/",
        views.StaffAttachmentDownloadView.as_view(),
        name="staff_attachment",
    ),
    path("staff/members/", views.StaffMembersView.as_view(), name="staff_members"),
    path("staff/rules/", views.StaffRulesView.as_view(), name="staff_rules"),
    path("staff/members/<int:pk>/end/", views.StaffMemberEndView.as_view(), name="staff_member_end"),
    path("staff/members/<int:pk>/chair/", views.StaffMemberChairView.as_view(), name="staff_member_chair"),
]
