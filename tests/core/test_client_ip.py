import pytest
from django.test import RequestFactory

from core.middleware import request_client_ip


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.5", "", "10.0.0.5"),
        (0, "10.0.0.5", "198.51.100.7", "10.0.0.5"),  # no proxy trusted: the header is ignored
        (1, "10.0.0.5", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own entry is not believed
        (2, "10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (1, "10.0.0.5", "not-an-address", "10.0.0.5"),
        (2, "10.0.0.5", "198.51.100.7", "10.0.0.5"),  # fewer hops than proxies: no header from them
        (0, "", "", None),
    ],
)
def test_the_client_address_believes_only_the_trusted_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert request_client_ip(request) == expected
