"""RFC 9457 problem details: what every error of the API answers."""

import json
from http import HTTPStatus

from django.http import HttpResponse

from core.text import one_line_clean

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ApiProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, *, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


def problem_response(status: int, title: str, detail: str, *, headers: dict | None = None) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": one_line_clean(detail)[:1000],
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
