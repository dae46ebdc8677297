"""The read API's tests: a client and its token as ``api_client_create`` issues them, and a
Django test client that sends it."""

import pytest

from api.services import api_client_create


@pytest.fixture
def api_token(db):
    _client, token = api_client_create(name="ONS SRS", actor=None)
    return token


@pytest.fixture
def api(client, api_token):
    """``api.get(path, **extra)`` with the token in ``Authorization``."""

    class Api:
        token = api_token

        def get(self, path, data=None, **extra):
            return client.get(path, data, HTTP_AUTHORIZATION=f"Bearer {self.token}", **extra)

    return Api()
