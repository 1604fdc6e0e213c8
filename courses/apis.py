from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from courses.models import Program
from courses.selectors import program_list


class ProgramSerializer(serializers.ModelSerializer):
    series_display = serializers.CharField(source="get_series_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    fee_rule_display = serializers.CharField(source="get_fee_rule_display", read_only=True)
    fee_display = serializers.CharField(read_only=True)

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "series",
            "series_display",
            "category",
            "category_display",
            "audience",
            "description",
            "fee_rule",
            "fee_rule_display",
            "fee_amount",
            "fee_display",
            "max_participants",
            "default_hours",
            "catalog_year",
        ]


class ProgramViewSet(viewsets.ReadOnlyModelViewSet):
    """The public catalog: every program open for enrollment, with its fee."""

    serializer_class = ProgramSerializer
    permission_classes = [AllowAny]
    authentication_classes = []
    pagination_class = None
    lookup_field = "code"
    filterset_fields = ["series", "category", "fee_rule"]

    def get_queryset(self):
        return program_list()
