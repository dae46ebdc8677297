"""What a server-error report (the email Django sends to ADMINS) may carry about the request."""

from django.views.debug import SafeExceptionReporterFilter


class PortalExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter hides settings and the form fields a view marks sensitive. Here no form value
    leaves in a report (a sign-up's password, a profile's personal data, an application's text: no
    portal view marks them), nor any cookie's value (the session cookie would let whoever reads the
    email act as the person). The names stay, for the diagnosis."""

    def get_post_parameters(self, request):
        if request is not None and self.is_active(request):
            request.sensitive_post_parameters = "__ALL__"
        return super().get_post_parameters(request)

    def get_safe_cookies(self, request):
        if not self.is_active(request):
            return super().get_safe_cookies(request)
        return dict.fromkeys(getattr(request, "COOKIES", {}), self.cleansed_substitute)
