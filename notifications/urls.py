from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.OnsNotificationLogView.as_view(), name="log"),
    path("<int:pk>/", views.OnsNotificationDetailView.as_view(), name="detail"),
    path("<int:pk>/resend/", views.OnsNotificationResendView.as_view(), name="resend"),
    path("endpoints/<int:pk>/enable/", views.OnsEndpointEnableView.as_view(), name="endpoint_enable"),
    path("revoke/", views.ApplicationRevokeView.as_view(), name="revoke"),
]
