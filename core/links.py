"""Links that leave the portal (in emails): every one is built here, from ``settings.SITE_URL``.

A request's Host header never builds a link: emails are written by tasks and services that have no
request, and a forged Host must not put a stranger's address into a password-reset email.
"""

from django.conf import settings
from django.urls import reverse


def absolute_url(to: str, /, **kwargs) -> str:
    """The absolute address of ``to``: a URL name (``"applications:detail"``, its arguments as
    keywords) or a path that starts with ``/``."""
    if to.startswith("/"):
        if kwargs:
            raise TypeError("A path takes no URL arguments.")
        path = to
    else:
        path = reverse(to, kwargs=kwargs or None)
    return settings.SITE_URL.rstrip("/") + path
