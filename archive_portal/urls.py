from django.contrib import admin
from django.urls import include, path

from notifications.signing.views import jwks

from . import views

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

admin.site.site_header = "Archive Access Portal administration"
admin.site.site_title = "Archive Access Portal admin"

urlpatterns = [
    path("", include("core.urls")),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("accounts/", include("accounts.urls")),
    path("deposits/", include("deposits.urls")),
    path("applications/", include("applications.urls")),
    path("terms/", include("applications.terms_urls")),
    path("panel/", include("panel.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("transparency.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
