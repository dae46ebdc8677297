from django.urls import URLPattern, path

from . import views
from .endpoints import api

app_name = "api"


def _audited(patterns) -> list[URLPattern]:
    """ninja's URL patterns for the API, each view wrapped by ``views.api_call``."""
    return [URLPattern(p.pattern, views.api_call(p.callback), p.default_args, p.name) for p in patterns]


urlpatterns = [
    path("clients/", views.ApiClientListView.as_view(), name="clients"),
    path("clients/<int:pk>/revoke/", views.ApiClientRevokeView.as_view(), name="client_revoke"),
    path("v1/", (_audited(api.urls[0]), None, None)),
    path("v1/<path:rest>", views.api_not_found, name="not_found"),
]
