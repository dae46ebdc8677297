from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.OnsNotificationLogView.as_view(), name="log"),
    path("<int:pk>/", views.OnsNotificationDetailView.as_view(), name="detail"),
    path("<int:pk>/resend/", views.OnsNotificationResendView.as_view(), name="resend"),
    path("revoke/", views.ApplicationRevokeView.as_view(), name="revoke"),
]
