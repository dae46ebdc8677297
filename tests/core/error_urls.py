"""The portal's URLs plus one view that fails, for the tests of the 500 page (used through
ROOT_URLCONF; the product has no such URL). The portal's error handlers come along."""

from django.urls import path

from archive_portal.urls import handler400, handler403, handler404, handler500  # noqa: F401 (Django reads them here)
from archive_portal.urls import urlpatterns as portal_urlpatterns


def fail(request):
    raise RuntimeError("a test error the view did not expect")


urlpatterns = [path("test-server-error/", fail), *portal_urlpatterns]
