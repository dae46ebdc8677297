import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .context import reset_client_ip, set_client_ip
from .uploads import length_required_response, request_too_large_response


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def request_client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind TRUSTED_PROXY_COUNT reverse proxies, each of which appends the
    address it received from to X-Forwarded-For, the client is that many entries from the right;
    entries further left were written by the client and are not believed (a spoofed header must not
    slip past the lockout or the rate limits)."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return _valid_ip(hops[-proxies]) or remote
    return remote


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` as the header says it: ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (settings.PERMISSIONS_POLICY) to every response, error pages
    and the request-size refusals included (it sits just after SecurityMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class RequestBodyLimitMiddleware:
    """Refuses a request body over MAX_REQUEST_BYTES before anything reads it: a larger Content-Length
    is answered 413, and a body sent without one (``Transfer-Encoding: chunked``) 411. Early in
    MIDDLEWARE, before sessions, CSRF and the user: the answer touches neither the body nor the
    database. (core.uploads.RequestBodyLimitUploadHandler keeps the same limit while a body is read.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH")
        if not declared and request.META.get("HTTP_TRANSFER_ENCODING"):
            return length_required_response()
        try:
            length = int(declared or 0)
        except ValueError:
            length = 0  # Django reads no body with an unreadable Content-Length
        if length > settings.MAX_REQUEST_BYTES:
            return request_too_large_response()
        return self.get_response(request)


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
