from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .selectors import ons_jwks


@require_safe
def jwks(request):
    """The public JWK set of the ONS signing keys (RFC 7517/8037): every key next, active, retiring
    or recently retired. Public on purpose; cacheable for ONS_JWKS_MAX_AGE_SECONDS."""
    response = JsonResponse(ons_jwks(at=timezone.now()), content_type="application/jwk-set+json")
    patch_cache_control(response, public=True, max_age=settings.ONS_JWKS_MAX_AGE_SECONDS)
    return response
