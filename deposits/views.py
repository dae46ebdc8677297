from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from django_filters.views import FilterView

from core.csv import csv_response
from core.files import private_file_response
from core.filters import filter_values, filters_refused
from core.permissions import StaffRequiredMixin
from core.views_support import DomainErrorFormMixin

from . import selectors, services
from .enums import DepositStatus, DocumentKind
from .filters import CatalogueFilter, StaffDepositFilter
from .forms import (
    STATUS_ACTIONS,
    ApprovalForm,
    DepositDocumentForm,
    DepositForm,
    RejectChangeForm,
    SensitiveUseForm,
    StatusChangeForm,
)
from .models import SensitiveUse
from .public_page import deposit_page_sections
from .sections import SECTION_TITLES


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- public --------------------------------------------------------------------------------------------


class CatalogueView(FilterView):
    """Public on purpose: anyone may browse what can be requested."""

    filterset_class = CatalogueFilter
    template_name = "deposits/catalogue.html"
    paginate_by = 20
    context_object_name = "deposits"

    def get_queryset(self):
        return selectors.deposit_list_catalogue()

    def get_context_data(self, **kwargs):
        return super().get_context_data(query_string=_query_string(self.request), **kwargs)


class DepositDetailView(TemplateView):
    """Public on purpose: an available deposit's description, privacy notice and use conditions."""

    template_name = "deposits/detail.html"

    def get_context_data(self, **kwargs):
        deposit = selectors.deposit_get_public(kwargs["reference"])
        if deposit is None:
            raise Http404("No such deposit in the catalogue.")
        documents = deposit.public_documents
        return super().get_context_data(
            deposit=deposit,
            privacy_notices=[d for d in documents if d.kind == DocumentKind.PRIVACY_NOTICE],
            other_documents=[d for d in documents if d.kind != DocumentKind.PRIVACY_NOTICE],
            page_sections=deposit_page_sections(deposit, request=self.request),
            **kwargs,
        )


def public_document_download(request, reference: str, pk: int):
    document = selectors.deposit_public_document_get(reference=reference, document_id=pk)
    if document is None:
        raise Http404("No such document.")
    return private_file_response(document.file, download_name=document.download_name)


# --- staff ---------------------------------------------------------------------------------------------


class StaffDepositMixin(StaffRequiredMixin):
    """Loads the deposit named in the URL for staff (404 when there is none)."""

    @cached_property
    def deposit(self):
        deposit = selectors.deposit_get_for_staff(user=self.request.user, reference=self.kwargs["reference"])
        if deposit is None:
            raise Http404("No such deposit.")
        return deposit

    def get_context_data(self, **kwargs):
        return super().get_context_data(deposit=self.deposit, **kwargs)


class StaffDepositListView(StaffRequiredMixin, FilterView):
    filterset_class = StaffDepositFilter
    template_name = "deposits/staff_list.html"
    paginate_by = 50
    context_object_name = "deposits"

    def get_queryset(self):
        return selectors.deposit_list_for_staff(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query_string=_query_string(self.request), **kwargs)


class StaffDepositExportView(StaffRequiredMixin, View):
    def get(self, request):
        filterset = StaffDepositFilter(
            request.GET or None, queryset=selectors.deposit_list_for_staff(request.user)
        )
        if refused := filters_refused(filterset):  # never the whole register for a search gone wrong
            return refused
        rows = services.deposit_register_export(
            actor=request.user, deposits=filterset.qs, filters=filter_values(filterset)
        )
        response = csv_response(filename=f"deposit-register-{timezone.localdate():%Y-%m-%d}.csv", rows=rows)
        response["Cache-Control"] = "no-store, private"
        return response


class StaffDepositCreateView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    form_class = DepositForm
    template_name = "deposits/staff_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": "Register deposit"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Register a deposit", **kwargs)

    def perform(self, form):
        deposit = services.deposit_create(
            actor=self.request.user,
            fields=form.model_fields(),
            excluded_uses=form.cleaned_data["excluded_uses"],
            srs_dataset_ids=form.cleaned_data["srs_dataset_ids"],
        )
        messages.success(
            self.request, f"{deposit.reference} is registered as a draft. Add its documents next."
        )
        return redirect("deposits:staff_detail", reference=deposit.reference)


class StaffDepositDetailView(StaffDepositMixin, TemplateView):
    template_name = "deposits/staff_detail.html"

    def get_context_data(self, **kwargs):
        deposit = self.deposit
        pending = selectors.deposit_pending_change(deposit)
        user = self.request.user
        return super().get_context_data(
            sections=SECTION_TITLES,
            pending_change=pending,
            can_approve=selectors.deposit_can_approve(user=user, deposit=deposit),
            can_approve_change=pending is not None
            and selectors.deposit_can_approve_change(user=user, change=pending),
            blockers=services.deposit_approval_blockers(deposit)
            if deposit.status
            in (DepositStatus.DRAFT, DepositStatus.AWAITING_APPROVAL, DepositStatus.SUSPENDED)
            else [],
            status_form=StatusChangeForm(deposit=deposit)
            if deposit.status != DepositStatus.WITHDRAWN
            else None,
            **kwargs,
        )


class StaffDepositEditView(DomainErrorFormMixin, StaffDepositMixin, FormView):
    form_class = DepositForm
    template_name = "deposits/staff_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["section"] not in SECTION_TITLES:
            raise Http404("No such section.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.deposit,
            "section": self.kwargs["section"],
            "submit_label": "Save changes",
        }

    def get_context_data(self, **kwargs):
        title = SECTION_TITLES[self.kwargs["section"]]
        return super().get_context_data(page_title=f"{self.deposit.reference}: {title}", **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        pending = services.deposit_update(
            actor=self.request.user,
            deposit=self.deposit,
            fields=form.model_fields(),
            excluded_uses=data.get("excluded_uses") if "excluded_uses" in form.fields else None,
            srs_dataset_ids=data.get("srs_dataset_ids") if "srs_dataset_ids" in form.fields else None,
            reason=data.get("reason", ""),
        )
        if pending is not None:
            messages.warning(
                self.request,
                "The new use conditions are held for approval: they apply once a second staff member "
                "approves them.",
            )
        else:
            messages.success(self.request, "Saved.")
        return redirect("deposits:staff_detail", reference=self.deposit.reference)


class StaffDocumentAddView(DomainErrorFormMixin, StaffDepositMixin, FormView):
    form_class = DepositDocumentForm
    template_name = "deposits/staff_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"{self.deposit.reference}: add a document", **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        services.deposit_document_add(
            actor=self.request.user,
            deposit=self.deposit,
            kind=data["kind"],
            title=data["title"],
            version=data["version"],
            document_date=data["document_date"],
            is_internal=data["is_internal"],
            file=data.get("file") or None,
            url=data.get("url") or "",
        )
        messages.success(self.request, "The document is added.")
        return redirect("deposits:staff_detail", reference=self.deposit.reference)


class StaffDocumentDownloadView(StaffRequiredMixin, View):
    def get(self, request, reference: str, pk: int):
        document = selectors.deposit_document_get_for_staff(
            user=request.user, reference=reference, document_id=pk
        )
        if document is None:
            raise Http404("No such document.")
        return private_file_response(document.file, download_name=document.download_name)


class StaffStatusChangeView(DomainErrorFormMixin, StaffDepositMixin, FormView):
    template_name = "deposits/staff_form.html"

    def get_form(self, form_class=None):
        return StatusChangeForm(**self.get_form_kwargs(), deposit=self.deposit)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=f"{self.deposit.reference}: change status ({self.deposit.get_status_display()})",
            **kwargs,
        )

    def perform(self, form):
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        service = {
            "submit": services.deposit_submit_for_approval,
            "return_to_draft": services.deposit_return_to_draft,
            "suspend": services.deposit_suspend,
            "withdraw": services.deposit_withdraw,
        }[action]
        deposit = service(actor=self.request.user, deposit=self.deposit, reason=reason)
        messages.success(
            self.request,
            f"{STATUS_ACTIONS[action][0]}: {deposit.reference} is now "
            f"{deposit.get_status_display().lower()}.",
        )
        return redirect("deposits:staff_detail", reference=deposit.reference)


class StaffApprovalFormMixin(DomainErrorFormMixin):
    """The second pair of eyes: staff confirm the governance checks (ApprovalForm) and approve.
    ``approve(actor=, privacy_notice_checked=, dpia_checked=, note=)`` calls the service and returns
    the success message; NotPermitted answers 403, any other refusal is a form error."""

    form_class = ApprovalForm

    def approve(self, **checks) -> str:
        raise NotImplementedError

    def perform(self, form):
        message = self.approve(
            actor=self.request.user,
            privacy_notice_checked=form.cleaned_data["privacy_notice_checked"],
            dpia_checked=form.cleaned_data["dpia_checked"],
            note=form.cleaned_data["note"],
        )
        messages.success(self.request, message)
        return redirect("deposits:staff_detail", reference=self.deposit.reference)


class StaffApproveView(StaffApprovalFormMixin, StaffDepositMixin, FormView):
    template_name = "deposits/staff_approve.html"

    def get_context_data(self, **kwargs):
        deposit = self.deposit
        return super().get_context_data(
            page_title=f"Approve {deposit.reference}",
            can_approve=selectors.deposit_can_approve(user=self.request.user, deposit=deposit),
            documents=[
                d
                for d in deposit.documents.all()
                if d.kind in (DocumentKind.PRIVACY_NOTICE, DocumentKind.DPIA)
            ],
            **kwargs,
        )

    def approve(self, **checks):
        services.deposit_approve(deposit=self.deposit, **checks)
        return f"{self.deposit.reference} is approved and now in the catalogue."


class StaffChangeDecisionMixin(StaffDepositMixin):
    @cached_property
    def change(self):
        return get_object_or_404(self.deposit.use_condition_changes.all(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("reject_form", RejectChangeForm())
        kwargs["reject_form"].helper.form_action = reverse(
            "deposits:staff_change_reject", kwargs={"reference": self.deposit.reference, "pk": self.change.pk}
        )
        return super().get_context_data(
            change=self.change,
            can_approve_change=selectors.deposit_can_approve_change(
                user=self.request.user, change=self.change
            ),
            **kwargs,
        )


class StaffChangeApproveView(StaffApprovalFormMixin, StaffChangeDecisionMixin, FormView):
    template_name = "deposits/staff_change.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": "Approve and apply the change"}

    def approve(self, **checks):
        services.deposit_use_conditions_change_approve(change=self.change, **checks)
        return "The new use conditions are approved and apply now."


class StaffChangeRejectView(DomainErrorFormMixin, StaffChangeDecisionMixin, FormView):
    form_class = RejectChangeForm
    template_name = "deposits/staff_change.html"

    def get(self, request, *args, **kwargs):
        return redirect("deposits:staff_change_approve", reference=self.deposit.reference, pk=self.change.pk)

    def form_invalid(self, form):
        approve_form = ApprovalForm(submit_label="Approve and apply the change")
        approve_form.helper.form_action = reverse(
            "deposits:staff_change_approve",
            kwargs={"reference": self.deposit.reference, "pk": self.change.pk},
        )
        return self.render_to_response(self.get_context_data(form=approve_form, reject_form=form))

    def perform(self, form):
        services.deposit_use_conditions_change_reject(
            actor=self.request.user, change=self.change, note=form.cleaned_data["note"]
        )
        messages.success(self.request, "The change is rejected; the use conditions stay as they were.")
        return redirect("deposits:staff_detail", reference=self.deposit.reference)


class StaffHistoryView(StaffDepositMixin, TemplateView):
    template_name = "deposits/staff_history.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(entries=selectors.deposit_history(self.deposit), **kwargs)


# --- the controlled list of sensitive uses -------------------------------------------------------------


class SensitiveUseListView(StaffRequiredMixin, ListView):
    template_name = "deposits/sensitive_use_list.html"
    context_object_name = "uses"

    def get_queryset(self):
        return SensitiveUse.objects.order_by("-is_active", "name")


class SensitiveUseCreateView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    form_class = SensitiveUseForm
    template_name = "deposits/staff_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Add a sensitive use", **kwargs)

    def perform(self, form):
        services.sensitive_use_create(actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, "The sensitive use is added to the list.")
        return redirect("deposits:staff_sensitive_uses")


class SensitiveUseEditView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    form_class = SensitiveUseForm
    template_name = "deposits/staff_form.html"

    @cached_property
    def sensitive_use(self):
        return get_object_or_404(SensitiveUse, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.sensitive_use}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=f"Sensitive use: {self.sensitive_use.name}", **kwargs)

    def perform(self, form):
        services.sensitive_use_update(
            actor=self.request.user, sensitive_use=self.sensitive_use, **form.cleaned_data
        )
        messages.success(self.request, "Saved.")
        return redirect("deposits:staff_sensitive_uses")
