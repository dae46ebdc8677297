from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import FormView, ListView

from core.errors import DomainError
from core.permissions import ResearcherRequiredMixin, StaffRequiredMixin

from . import services
from .forms import EmailAuthenticationForm, InviteForm, ResearcherProfileForm, RoleChangeForm, SignUpForm
from .models import ResearcherProfile, User


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignUpView(FormView):
    form_class = SignUpForm
    template_name = "accounts/sign_up.html"

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


class ProfileView(ResearcherRequiredMixin, FormView):
    form_class = ResearcherProfileForm
    template_name = "accounts/profile.html"

    def get_profile(self) -> ResearcherProfile:
        profile, _ = ResearcherProfile.objects.get_or_create(user=self.request.user)
        return profile

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_profile()}

    def form_valid(self, form):
        try:
            services.researcher_profile_update(
                actor=self.request.user,
                profile=self.get_profile(),
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, "Your profile is saved.")
        return redirect("accounts:profile")


class StaffUserListView(StaffRequiredMixin, ListView):
    template_name = "accounts/staff_user_list.html"
    paginate_by = 50
    context_object_name = "people"

    def get_queryset(self):
        return User.objects.order_by("role", "full_name", "email")


class StaffInviteView(StaffRequiredMixin, FormView):
    form_class = InviteForm
    template_name = "accounts/staff_invite.html"
    success_url = reverse_lazy("accounts:staff_users")

    def form_valid(self, form):
        try:
            user = services.user_invite(actor=self.request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{user.full_name} is invited as {user.get_role_display().lower()}.")
        return super().form_valid(form)


class StaffRoleChangeView(StaffRequiredMixin, FormView):
    form_class = RoleChangeForm
    template_name = "accounts/staff_role_change.html"

    def dispatch(self, request, *args, **kwargs):
        self.person = get_object_or_404(User, pk=kwargs["pk"]) if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"role": self.person.role}

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.person, **kwargs)

    def form_valid(self, form):
        try:
            services.user_change_role(
                actor=self.request.user, user=self.person, role=form.cleaned_data["role"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{self.person.full_name} is now {self.person.get_role_display().lower()}."
        )
        return redirect(reverse("accounts:staff_users"))


class PasswordChangeView(LoginRequiredMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        from core.services import audit_record

        from .enums import AccountsAuditAction

        response = super().form_valid(form)
        audit_record(
            actor=self.request.user, action=AccountsAuditAction.PASSWORD_CHANGED, target=self.request.user
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        from core.services import audit_record

        from .enums import AccountsAuditAction

        response = super().form_valid(form)
        audit_record(actor=form.user, action=AccountsAuditAction.PASSWORD_RESET, target=form.user)
        return response
