from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from django.core.validators import MaxLengthValidator

from core.text import OneLineFormField, email_canonical
from core.widgets import DateInput

from .enums import INVITED_ROLES, Role
from .models import ResearcherProfile, User


class SubmitHelperMixin:
    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class EmailAuthenticationForm(SubmitHelperMixin, AuthenticationForm):
    submit_label = "Sign in"
    error_messages = {
        "invalid_login": "The email address or password is not right. Check both and try again.",
        "inactive": "This account has been closed. Contact the archive staff if you think this is wrong.",
        "unconfirmed": "Please confirm your email address first: follow the link in the email we sent you.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        # Django's AuthenticationForm sets max_length on the field after it is built, which adds no
        # validator: a longer "email" reached authenticate() and django-axes' 255-character column.
        self.fields["username"].validators.append(
            MaxLengthValidator(User._meta.get_field("email").max_length)
        )

    def clean_username(self):
        # One spelling of the address for authentication, the lockout and the rate limits.
        return email_canonical(self.cleaned_data.get("username"))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.email_confirmed_at is None:
            raise forms.ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")


class PortalPasswordResetForm(SubmitHelperMixin, forms.Form):
    """The address to send a reset link to. It only validates: the view hands the address to
    ``services.password_reset_request`` (Django's form would look the accounts up and send the
    emails inside the request, where the time shows whether the address is registered)."""

    submit_label = "Email me a reset link"
    email = forms.EmailField(
        label="Email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class PortalSetPasswordForm(SubmitHelperMixin, SetPasswordForm):
    """Choosing a password from an emailed link: an invitation or a reset."""

    submit_label = "Save my password"


class PortalPasswordChangeForm(SubmitHelperMixin, PasswordChangeForm):
    submit_label = "Change password"


class SignUpForm(SubmitHelperMixin, forms.Form):
    submit_label = "Create account"
    full_name = OneLineFormField(
        max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter your full name.")
        return name

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        if p1 and not self.has_error("password2"):
            candidate = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ResearcherProfileForm(SubmitHelperMixin, forms.ModelForm):
    submit_label = "Save profile"

    class Meta:
        model = ResearcherProfile
        fields = [
            "organisation",
            "sector",
            "job_title",
            "orcid",
            "accreditation_status",
            "accreditation_number",
            "accreditation_expires_on",
        ]
        widgets = {"accreditation_expires_on": DateInput}
        labels = {"accreditation_expires_on": "Accreditation expiry date", "sector": "Organisation sector"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accreditation_status") not in (None, "", "none"):
            if not cleaned.get("accreditation_number"):
                self.add_error("accreditation_number", "Enter your ONS accredited researcher number.")
            if not cleaned.get("accreditation_expires_on"):
                self.add_error("accreditation_expires_on", "Enter the date your accreditation expires.")
        return cleaned


class InviteForm(SubmitHelperMixin, forms.Form):
    submit_label = "Send invitation"
    full_name = OneLineFormField(max_length=150)
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in INVITED_ROLES])


class RoleChangeForm(SubmitHelperMixin, forms.Form):
    submit_label = "Change role"
    role = forms.ChoiceField(choices=Role.choices)


class TwoFactorCodeForm(SubmitHelperMixin, forms.Form):
    submit_label = "Continue"
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "inputmode": "text",
                "spellcheck": "false",
            }
        ),
    )


class TwoFactorEnrolForm(SubmitHelperMixin, forms.Form):
    submit_label = "Turn on two-factor sign-in"
    code = forms.CharField(
        label="Code from your app",
        max_length=12,
        help_text="After adding the account, enter the six digits the app shows.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthenticateForm(SubmitHelperMixin, forms.Form):
    submit_label = "Confirm"
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class ConfirmForm(SubmitHelperMixin, forms.Form):
    """A form with only a button, for actions that need a confirming POST."""

    def __init__(self, *args, submit_label: str = "Confirm", **kwargs):
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)


class EmailChangeForm(SubmitHelperMixin, forms.Form):
    submit_label = "Send a confirmation link"
    email = forms.EmailField(
        label="New email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
