from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from core.errors import DomainError
from core.permissions import ResearcherRequiredMixin, StaffRequiredMixin
from core.ratelimit import RateLimitMixin
from core.services import audit_record
from core.views_support import DomainErrorFormMixin

from . import selectors, services, two_factor
from .enums import AccountsAuditAction
from .forms import (
    ConfirmForm,
    EmailAuthenticationForm,
    EmailChangeForm,
    InviteForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    ReauthenticateForm,
    ResearcherProfileForm,
    RoleChangeForm,
    SignUpForm,
    TwoFactorCodeForm,
    TwoFactorEnrolForm,
)
from .models import ResearcherProfile, User
from .security import (
    SECOND_FACTOR_REQUIRED_KEY,
    has_confirmed_device,
    mark_password_confirmed,
    password_recently_confirmed,
    second_factor_required,
)


class LoginView(RateLimitMixin, auth_views.LoginView):
    """The first step of signing in (the password). Anyone who needs a second factor is sent on to
    it; TwoFactorMiddleware keeps every other page closed until they give it."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    rate_limit_scope = "login"  # per address; django-axes locks an account at an address after failures

    def get_context_data(self, **kwargs):
        # Django's LoginView sets ``site_name`` to the request's host (the portal has no sites
        # framework), which would override the portal's name in the page title.
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}

    def get_success_url(self):
        url = super().get_success_url()
        if second_factor_required(self.request):  # a password alone never verifies the second factor
            step = "two_factor_verify" if has_confirmed_device(self.request.user) else "two_factor_enrol"
            return reverse(f"accounts:{step}") + "?" + urlencode({"next": url})
        return url


def admin_login_redirect(request, extra_context=None):
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect(reverse("accounts:login") + "?" + urlencode({"next": next_url}))


class SignUpView(RateLimitMixin, FormView):
    form_class = SignUpForm
    template_name = "accounts/sign_up.html"
    rate_limit_scope = "sign_up"
    rate_limit_address_field = "email"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("core:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        services.user_sign_up(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
        )
        self.request.session["sign_up_email"] = form.cleaned_data["email"]
        return redirect("accounts:sign_up_done")


def sign_up_done(request):
    return render(request, "accounts/sign_up_done.html", {"email": request.session.get("sign_up_email", "")})


class ConfirmEmailView(View):
    def get(self, request, token: str):
        try:
            services.user_confirm_email(token=token)
        except DomainError as exc:
            return render(request, "accounts/confirm_email_failed.html", {"reason": exc.message}, status=400)
        messages.success(request, "Thank you: your email address is confirmed. You can now sign in.")
        return redirect("accounts:login")


class ProfileView(DomainErrorFormMixin, ResearcherRequiredMixin, FormView):
    form_class = ResearcherProfileForm
    template_name = "accounts/profile.html"

    def get_profile(self) -> ResearcherProfile:
        profile, _ = ResearcherProfile.objects.get_or_create(user=self.request.user)
        return profile

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_profile()}

    def perform(self, form):
        services.researcher_profile_update(
            actor=self.request.user,
            profile=self.get_profile(),
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(self.request, "Your profile is saved.")
        return redirect("accounts:profile")


class StaffUserListView(StaffRequiredMixin, ListView):
    template_name = "accounts/staff_user_list.html"
    paginate_by = 50
    context_object_name = "people"

    def get_queryset(self):
        return selectors.user_list_for_staff()


class StaffInviteView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    form_class = InviteForm
    template_name = "accounts/staff_invite.html"
    success_url = reverse_lazy("accounts:staff_users")

    def perform(self, form):
        user = services.user_invite(actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"{user.full_name} is invited as {user.get_role_display().lower()}.")
        return redirect(self.get_success_url())


class StaffRoleChangeView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    form_class = RoleChangeForm
    template_name = "accounts/staff_role_change.html"

    def dispatch(self, request, *args, **kwargs):
        self.person = get_object_or_404(User, pk=kwargs["pk"]) if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"role": self.person.role}

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)

    def perform(self, form):
        services.user_change_role(actor=self.request.user, user=self.person, role=form.cleaned_data["role"])
        messages.success(
            self.request, f"{self.person.full_name} is now {self.person.get_role_display().lower()}."
        )
        return redirect(reverse("accounts:staff_users"))


class PasswordResetView(RateLimitMixin, auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    rate_limit_scope = "password_reset"
    rate_limit_address_field = "email"

    def form_valid(self, form):
        services.password_reset_request(email=form.cleaned_data["email"])
        return redirect(self.get_success_url())


class PasswordChangeView(LoginRequiredMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(
            actor=self.request.user, action=AccountsAuditAction.PASSWORD_CHANGED, target=self.request.user
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = PortalSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.user, action=AccountsAuditAction.PASSWORD_RESET, target=form.user)
        return response


# --- Two-factor sign-in and re-authentication ---------------------------------------------------------

PENDING_TOTP_KEY = "accounts.pending_totp_key"


def _safe_next(request, default: str) -> str:
    """Where to go after this step: ``next`` when it is a path on this site, else ``default``. Only a
    path that starts with one slash is taken (``redirect()`` would try to reverse "-1" or a date as a
    view name, and fail with a server error)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    is_local_path = candidate.startswith("/") and not candidate.startswith(("//", "/\\"))
    if is_local_path and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class RecentPasswordRequiredMixin(LoginRequiredMixin):
    """Changes to sign-in settings need the password entered within REAUTHENTICATION_MAX_AGE."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not password_recently_confirmed(request):
            back = request.get_full_path() if request.method == "GET" else reverse("accounts:security")
            return redirect(reverse("accounts:reauthenticate") + "?" + urlencode({"next": back}))
        return super().dispatch(request, *args, **kwargs)


class ReauthenticateView(LoginRequiredMixin, FormView):
    form_class = ReauthenticateForm
    template_name = "accounts/reauthenticate.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_safe_next(self.request, reverse("accounts:security")), **kwargs)

    def form_valid(self, form):
        user = self.request.user
        confirmed = authenticate(self.request, username=user.email, password=form.cleaned_data["password"])
        if confirmed is None or confirmed.pk != user.pk:
            audit_record(actor=user, action=AccountsAuditAction.REAUTHENTICATION_FAILED, target=user)
            form.add_error("password", "That password is not right.")
            return self.form_invalid(form)
        mark_password_confirmed(self.request)
        audit_record(actor=user, action=AccountsAuditAction.REAUTHENTICATED, target=user)
        return redirect(_safe_next(self.request, reverse("accounts:security")))


class TwoFactorVerifyView(DomainErrorFormMixin, LoginRequiredMixin, FormView):
    """The second step of signing in."""

    form_class = TwoFactorCodeForm
    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if request.user.is_verified():
                return redirect(_safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
            if not has_confirmed_device(request.user):
                return redirect(reverse("accounts:two_factor_enrol") + "?" + request.GET.urlencode())
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_safe_next(self.request, ""), **kwargs)

    def perform(self, form):
        device = services.two_factor_verify(user=self.request.user, token=form.cleaned_data["code"])
        self.request.session.cycle_key()
        otp_login(self.request, device)
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            messages.warning(
                self.request,
                f"You used a recovery code; {left} left. Set up your app again or make new codes "
                "from your account security page.",
            )
        return redirect(_safe_next(self.request, reverse(settings.LOGIN_REDIRECT_URL)))


class TwoFactorEnrolView(DomainErrorFormMixin, RecentPasswordRequiredMixin, FormView):
    """Set up (or replace) an authenticator app: scan the QR code, confirm with a first code."""

    form_class = TwoFactorEnrolForm
    template_name = "accounts/two_factor_enrol.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        # Someone who has a device must prove it before replacing it: a password alone is not enough.
        if user.is_authenticated and not user.is_verified() and has_confirmed_device(user):
            return redirect(reverse("accounts:two_factor_verify") + "?" + request.GET.urlencode())
        return super().dispatch(request, *args, **kwargs)

    def pending_key(self) -> str:
        key = self.request.session.get(PENDING_TOTP_KEY)
        if not key:
            key = self.request.session[PENDING_TOTP_KEY] = two_factor.totp_key_new()
        return key

    def get_context_data(self, **kwargs):
        key = self.pending_key()
        uri = two_factor.totp_provisioning_uri(user=self.request.user, key=key)
        return super().get_context_data(
            qr_code=two_factor.qr_data_uri(uri),
            secret=two_factor.totp_key_base32(key),
            replacing=has_confirmed_device(self.request.user),
            next=_safe_next(self.request, ""),
            **kwargs,
        )

    def perform(self, form):
        device, codes = services.two_factor_enrol(
            user=self.request.user, key=self.pending_key(), token=form.cleaned_data["code"]
        )
        self.request.session.pop(PENDING_TOTP_KEY, None)
        _keep_this_session(self.request)
        otp_login(self.request, device)
        if not self.request.user.needs_second_factor:
            self.request.session[SECOND_FACTOR_REQUIRED_KEY] = True
        # The codes are shown once, in this response, and stored nowhere but as django-otp's tokens.
        return render(
            self.request,
            "accounts/recovery_codes.html",
            {
                "codes": codes,
                "next": _safe_next(self.request, reverse("accounts:security")),
                "enrolled": True,
            },
        )


def _keep_this_session(request) -> None:
    """After the security stamp changed, every session ends; re-bind this one to the new stamp."""
    user = User.objects.get(pk=request.user.pk)
    update_session_auth_hash(request, user)
    request.user.security_stamp = user.security_stamp


class AccountSecurityView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            two_factor=selectors.two_factor_status(user=user),
            **kwargs,
        )


class RecoveryCodesRegenerateView(RecentPasswordRequiredMixin, View):
    def post(self, request):
        try:
            codes = services.recovery_codes_regenerate(user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:security")
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": reverse("accounts:security"), "enrolled": False},
        )


class TwoFactorRemoveView(RecentPasswordRequiredMixin, View):
    def post(self, request):
        try:
            services.two_factor_remove(user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:security")
        _keep_this_session(request)
        request.session.pop(SECOND_FACTOR_REQUIRED_KEY, None)
        messages.success(request, "Two-factor sign-in is off. Your other sessions were signed out.")
        return redirect("accounts:security")


class StaffTwoFactorResetView(DomainErrorFormMixin, StaffRequiredMixin, FormView):
    template_name = "accounts/staff_two_factor_reset.html"

    def dispatch(self, request, *args, **kwargs):
        self.person = get_object_or_404(User, pk=kwargs["pk"]) if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return ConfirmForm(**self.get_form_kwargs(), submit_label="Reset two-factor sign-in")

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)

    def perform(self, form):
        services.two_factor_reset(actor=self.request.user, user=self.person)
        messages.success(
            self.request,
            f"{self.person.get_full_name()}'s two-factor sign-in is reset; "
            "they set up a new app at their next sign-in.",
        )
        return redirect("accounts:staff_users")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer when a sign-in is refused because the account is locked at this address."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


class StaffLockoutListView(StaffRequiredMixin, ListView):
    template_name = "accounts/staff_lockouts.html"
    context_object_name = "lockouts"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)

    def get_queryset(self):
        return selectors.lockouts_current()


class StaffLockoutClearView(StaffRequiredMixin, View):
    def post(self, request, pk: int):
        try:
            attempt = services.lockout_clear(actor=request.user, attempt_id=pk)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{attempt.username} can sign in again from {attempt.ip_address}.")
        return redirect("accounts:staff_lockouts")


class EmailChangeView(DomainErrorFormMixin, RecentPasswordRequiredMixin, FormView):
    form_class = EmailChangeForm
    template_name = "accounts/email_change.html"

    def perform(self, form):
        services.user_email_change_request(user=self.request.user, new_email=form.cleaned_data["email"])
        messages.success(
            self.request,
            f"We sent a link to {form.cleaned_data['email']}. Your address changes when you open it.",
        )
        return redirect("accounts:security")


class EmailChangeConfirmView(View):
    def get(self, request, token: str):
        try:
            user = services.user_email_change_confirm(token=token)
        except DomainError as exc:
            return render(request, "accounts/email_change_failed.html", {"reason": exc.message}, status=400)
        if request.user.is_authenticated and request.user.pk == user.pk:
            _keep_this_session(request)
        messages.success(request, f"Your sign-in email address is now {user.email}.")
        return redirect("accounts:security" if request.user.is_authenticated else "accounts:login")
