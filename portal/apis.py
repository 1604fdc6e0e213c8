from axes.helpers import get_cool_off
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.api import StrictCharField
from portal.authentication import PasswordChangeRequired
from portal.models import User

WRONG_CREDENTIALS = _("用户名或密码不正确。")


class LockedOut(exceptions.Throttled):
    default_detail = _("登录失败次数过多，账号已暂时锁定。")
    extra_detail_singular = extra_detail_plural = _("请 {wait} 秒后再试。")
    default_code = "locked_out"


class MeSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    institution = serializers.StringRelatedField(allow_null=True)
    province = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "role",
            "role_display",
            "institution",
            "province",
            "desk",
            "is_superuser",
        ]


class MeApi(APIView):
    """Who am I, and what is my scope."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenRequestSerializer(AuthTokenSerializer):
    username = StrictCharField(label=_("用户名"), min_length=1, max_length=150, write_only=True)
    password = StrictCharField(
        label=_("密码"),
        min_length=1,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
        write_only=True,
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenApi(ObtainAuthToken):
    """Exchange a user name and password for an API token (counts toward the log-in lockout).

    Wrong credentials are a 401. An account that must still change its initial password gets no
    token (403): it chooses its own password on the pages first, and a new password revokes every
    token the account had.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    serializer_class = TokenRequestSerializer
    error_statuses = ("401", "403")  # wrong credentials; an initial password not yet changed

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                cool_off = get_cool_off(request)
                raise LockedOut(wait=cool_off.total_seconds() if cool_off else None)
            if set(serializer.errors) == {"non_field_errors"}:  # both given, no account matches
                raise exceptions.AuthenticationFailed(WRONG_CREDENTIALS)
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        if user.must_change_password:
            raise PasswordChangeRequired
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
