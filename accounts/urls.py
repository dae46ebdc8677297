from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-up/", views.SignUpView.as_view(), name="sign_up"),
    path("sign-up/done/", views.sign_up_done, name="sign_up_done"),
    path("confirm/<str:token>/", views.ConfirmEmailView.as_view(), name="confirm_email"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("staff/people/", views.StaffUserListView.as_view(), name="staff_users"),
    path("staff/people/invite/", views.StaffInviteView.as_view(), name="staff_invite"),
    path("staff/people/<int:pk>/role/", views.StaffRoleChangeView.as_view(), name="staff_role_change"),
    path(
        "staff/people/<int:pk>/two-factor/reset/",
        views.StaffTwoFactorResetView.as_view(),
        name="staff_two_factor_reset",
    ),
    path("staff/lockouts/", views.StaffLockoutListView.as_view(), name="staff_lockouts"),
    path("staff/lockouts/<int:pk>/clear/", views.StaffLockoutClearView.as_view(), name="staff_lockout_clear"),
    path("two-factor/", views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("two-factor/set-up/", views.TwoFactorEnrolView.as_view(), name="two_factor_enrol"),
    path("security/", views.AccountSecurityView.as_view(), name="security"),
    path("security/confirm-password/", views.ReauthenticateView.as_view(), name="reauthenticate"),
    path(
        "security/recovery-codes/",
        views.RecoveryCodesRegenerateView.as_view(),
        name="recovery_codes_regenerate",
    ),
    path("security/email/", views.EmailChangeView.as_view(), name="email_change"),
    path(
        "security/email/confirm/<str:token>/",
        views.EmailChangeConfirmView.as_view(),
        name="email_change_confirm",
    ),
    path("security/two-factor/remove/", views.TwoFactorRemoveView.as_view(), name="two_factor_remove"),
]
