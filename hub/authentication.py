"""The `Authorization: Token ...` header: who is calling, and with which kind of token."""

import base64
import binascii
import logging
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from hub import logs
from parties.models import ConnectionStatus, Platform, PlatformToken

logger = logging.getLogger(__name__)
LAST_CONTACT_RESOLUTION = timedelta(seconds=30)


def token_candidates(credential: str) -> list[str]:
    """The token as 2.2.1 sends it (Base64), then as 2.1.1/2.2 peers do (raw).

    The spec's own Base64 examples encode a trailing newline; tokens hold no whitespace,
    so trailing whitespace of a decoded value is dropped.
    """
    candidates = []
    try:
        decoded = base64.b64decode(credential, validate=True).decode("ascii").rstrip()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if decoded and decoded.isprintable():
        candidates.append(decoded)
    if credential not in candidates:
        candidates.append(credential)
    return candidates


def find_token(header: str) -> PlatformToken | None:
    scheme, _, credential = header.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "token" or not credential:
        return None
    for candidate in token_candidates(credential):
        token = PlatformToken.objects.for_token(candidate)
        if token is not None:
            token.presented = candidate  # the credentials GET answers with it
            return token
    return None


class CredentialsTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates the calling platform by the credentials token it presents."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        token = find_token(header)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown credentials token")
        platform = token.platform
        if platform.status == ConnectionStatus.SUSPENDED:  # Token A too: no way around it
            raise exceptions.AuthenticationFailed("Platform is suspended")
        _note_contact(platform)
        logs.bind(platform=platform.name)
        return (platform, token)

    def authenticate_header(self, request):
        return "Token"


def _note_contact(platform: Platform) -> None:
    """Record when the platform last spoke to the hub (coarse, to spare a write per request)."""
    now = timezone.now()
    if platform.last_contact is None or now - platform.last_contact > LAST_CONTACT_RESOLUTION:
        Platform.objects.filter(pk=platform.pk).update(last_contact=now)
        platform.last_contact = now


class IsRegisteredPlatform(permissions.BasePermission):
    """Functional modules: a registered platform's access token; Token A is refused (401)."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, PlatformToken):
            raise exceptions.NotAuthenticated("Authorization: Token header required")
        if token.kind != PlatformToken.Kind.ACCESS:
            raise exceptions.NotAuthenticated(
                "A registration token (Token A) is only valid on versions and credentials"
            )
        return True


class AnyPlatformToken(permissions.BasePermission):
    """Versions and credentials: Token A (during registration) or an access token."""

    def has_permission(self, request, view):
        if not isinstance(request.auth, PlatformToken):
            raise exceptions.NotAuthenticated("Authorization: Token header required")
        return True
