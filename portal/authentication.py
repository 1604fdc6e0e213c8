"""API authentication that keeps the pages' rule: an account whose password was issued by somebody
else (a learner's initial password) does nothing until its owner has chosen her own."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

PASSWORD_CHANGE_REQUIRED = _("请先登录网页修改初始密码，再使用 API。")


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = PASSWORD_CHANGE_REQUIRED
    default_code = "password_change_required"


def _refuse_unchanged(result):
    if result is not None and getattr(result[0], "must_change_password", False):
        raise PasswordChangeRequired
    return result


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        return _refuse_unchanged(super().authenticate(request))


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        return _refuse_unchanged(super().authenticate(request))
