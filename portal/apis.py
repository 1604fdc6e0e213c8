from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.models import User


class MeApi(APIView):
    """Who am I, and what is my scope."""

    class OutputSerializer(serializers.ModelSerializer):
        role_display = serializers.CharField(source="get_role_display", read_only=True)
        institution = serializers.StringRelatedField()
        province = serializers.StringRelatedField()

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

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class TokenApi(ObtainAuthToken):
    """Exchange a user name and password for an API token (counts toward the log-in lockout)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
