"""Thin views: public pages and register, staff editing, dashboard and exports."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView

from core.errors import DomainError
from core.permissions import StaffRequiredMixin, is_staff_member

from . import selectors
from .forms import InfoPageForm
from .rendering import markdown_to_safe_html
from .services import info_page_update

# --- information pages ----------------------------------------------------------------------------


class InfoPageView(TemplateView):
    """Public on purpose."""

    template_name = "transparency/page.html"

    def get_context_data(self, **kwargs):
        page = selectors.info_page_get(slug=self.kwargs["slug"])
        if page is None:
            raise Http404
        return super().get_context_data(
            page=page,
            body_html=markdown_to_safe_html(page.body),
            can_edit=is_staff_member(self.request.user),
            **kwargs,
        )


class InfoPageHistoryView(ListView):
    """Public on purpose: every published version of a page, newest first."""

    template_name = "transparency/page_history.html"
    context_object_name = "versions"

    def get_queryset(self):
        self.page = selectors.info_page_get(slug=self.kwargs["slug"])
        if self.page is None:
            raise Http404
        return selectors.info_page_versions(page=self.page)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page, show_editors=is_staff_member(self.request.user), **kwargs
        )


class InfoPageVersionView(TemplateView):
    """Public on purpose: one earlier version, as it was published."""

    template_name = "transparency/page_version.html"

    def get_context_data(self, **kwargs):
        version = selectors.info_page_version_get(slug=self.kwargs["slug"], number=self.kwargs["number"])
        if version is None:
            raise Http404
        return super().get_context_data(
            version=version, page=version.page, body_html=markdown_to_safe_html(version.body), **kwargs
        )


class StaffInfoPageListView(StaffRequiredMixin, ListView):
    template_name = "transparency/staff_pages.html"
    context_object_name = "pages"

    def get_queryset(self):
        return selectors.info_page_list()


class InfoPageEditView(StaffRequiredMixin, FormView):
    template_name = "transparency/page_edit.html"
    form_class = InfoPageForm

    def dispatch(self, request, *args, **kwargs):
        self.page = selectors.info_page_get(slug=kwargs["slug"])
        if self.page is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "page": self.page}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=self.page, page_title=f"Edit: {self.page.title}", **kwargs)

    def form_valid(self, form):
        before = self.page.version
        try:
            page = info_page_update(
                page=self.page,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                change_note=form.cleaned_data["change_note"],
                base_version=form.cleaned_data["base_version"],
                actor=self.request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        if page.version == before:
            messages.info(self.request, "Nothing changed, so no new version was published.")
        else:
            messages.success(self.request, f"Version {page.version} of “{page.title}” is published.")
        return redirect("transparency:page", slug=page.slug)
