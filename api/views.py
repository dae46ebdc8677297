"""The API's calls as Django sees them (``api_call``: audited, every error a problem), and the
staff's page of API clients with its revoke button."""

import functools

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from core.permissions import StaffRequiredMixin
from core.views_support import domain_action

from . import selectors, services
from .models import ApiClient
from .problems import PROBLEM_CONTENT_TYPE, problem_response


def api_call(view):
    """Wrap one of ninja's URL views: any method but GET is refused (405) before ninja sees it; an
    answer ninja gives outside its handlers (the root's 404) becomes a problem too; a call made with
    a known token is audited with its status."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "GET":  # the API only reads (its document included)
            response = problem_response(
                405, "Method not allowed", f"{request.method[:10]} is not answered here."
            )
            response["Allow"] = "GET"
            return response
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = problem_response(404, "Not found", "There is nothing here.")
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            PROBLEM_CONTENT_TYPE
        ):
            allow = response.get("Allow")
            response = problem_response(response.status_code, "", f"{request.method} is not answered here.")
            if allow:
                response["Allow"] = allow
        client = getattr(request, "api_client", None)
        if client is not None:
            services.api_call_record(
                client=client,
                method=request.method,
                path=request.path_info.replace("\x00", ""),
                query=request.META.get("QUERY_STRING", "").replace("\x00", ""),
                status=response.status_code,
            )
        return response

    return wrapped


def api_not_found(request, rest: str = ""):
    """Anything else under /api/v1/."""
    return problem_response(404, "Not found", "There is nothing here.")


class ApiClientListView(StaffRequiredMixin, ListView):
    template_name = "api/clients.html"
    context_object_name = "clients"

    def get_queryset(self):
        return selectors.api_client_list()


class ApiClientRevokeView(StaffRequiredMixin, View):
    def post(self, request, pk: int):
        client = get_object_or_404(ApiClient, pk=pk)
        return domain_action(
            request,
            services.api_client_revoke,
            client=client,
            actor=request.user,
            success=f"{client.name}'s token is revoked: its calls now answer 401.",
            redirect_to=reverse("api:clients"),
        )
