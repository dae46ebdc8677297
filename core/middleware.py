from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .context import reset_client_ip, set_client_ip


def request_client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind the production proxy the first X-Forwarded-For hop is the client."""
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Makes the client address available to audit_record() for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_client_ip(request_client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_client_ip(token)


class NoStoreForSignedInMiddleware:
    """Nothing shown to a signed-in user (application content, panel papers, personal data) may be kept
    by a browser or a proxy cache: every response to them carries ``Cache-Control: no-store``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
