from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated

from enrollment.models import Institution, Province
from enrollment.selectors import institution_list, province_list
from portal.api import ObjectAccess


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name"]


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProvinceSerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    pagination_class = None
    lookup_field = "code"

    def get_queryset(self):
        return province_list()


class InstitutionSerializer(serializers.ModelSerializer):
    province = ProvinceSerializer(read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    desk_display = serializers.CharField(source="get_desk_display", read_only=True)

    class Meta:
        model = Institution
        fields = ["id", "name", "code", "type", "type_display", "desk", "desk_display", "province"]


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Institutions the caller may see: their own, their province's, or their desk's."""

    serializer_class = InstitutionSerializer
    permission_classes = [IsAuthenticated, ObjectAccess]
    filterset_fields = ["type", "desk", "province__code"]
    queryset = Institution.objects.none()  # for the schema; get_queryset scopes per request

    def get_queryset(self):
        return institution_list(user=self.request.user)
