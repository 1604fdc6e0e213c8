from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from courses.models import Cohort, Program
from courses.selectors import cohort_list, placeable_line, program_list
from courses.services import cohort_create
from learners.services import cohort_place_line
from portal.api import ObjectAccess, PortalModelSerializer, StrictIntegerField


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


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[-a-zA-Z0-9_]+$"}
)
class ProgramCodeField(serializers.SlugRelatedField):
    """A program named by its code (``activists``); an unknown code is a 422, not a 400."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Program.objects.all(), **kwargs)


class CohortSerializer(PortalModelSerializer):
    program = ProgramCodeField()
    enrolled = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = [
            "id",
            "program",
            "name",
            "start_date",
            "end_date",
            "capacity",
            "coordinator",
            "enrolled",
        ]


class PlaceSerializer(serializers.Serializer):
    line = StrictIntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="id of an approved receipt line of the same program",
    )


class EnrollmentSerializer(serializers.Serializer):
    username = serializers.CharField(source="learner.username")
    name = serializers.CharField(source="learner.full_name")
    institution = serializers.CharField(source="institution.name")
    id_number = serializers.SerializerMethodField(help_text="masked resident ID number")
    enrolled_at = serializers.DateTimeField(source="created_at")

    def get_id_number(self, enrollment) -> str:
        """Masked; empty for an account without a person's record (one made by an administrator)."""
        record = getattr(enrollment.learner, "learner", None)
        return record.id_masked if record is not None else ""


class CohortViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Cohorts (期次): the academy schedules them and places approved receipt lines into them."""

    serializer_class = CohortSerializer
    permission_classes = [IsAuthenticated, ObjectAccess]
    queryset = Cohort.objects.none()

    def get_queryset(self):
        return cohort_list(user=self.request.user)

    def perform_create(self, serializer):
        cohort = cohort_create(
            by=self.request.user, **{"coordinator": None, **serializer.validated_data}
        )
        serializer.instance = cohort_list(user=self.request.user).get(pk=cohort.pk)

    @extend_schema(request=PlaceSerializer, responses=CohortSerializer)
    @action(detail=True, methods=["post"])
    def place(self, request, pk=None):
        cohort = self.get_object()
        payload = PlaceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        line = placeable_line(user=request.user, cohort=cohort, pk=payload.validated_data["line"])
        cohort_place_line(cohort=cohort, line=line, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=cohort.pk)).data)

    @extend_schema(responses=EnrollmentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def enrollments(self, request, pk=None):
        cohort = self.get_object()
        rows = cohort.enrollments.select_related("institution", "learner__learner").order_by("pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EnrollmentSerializer(page, many=True).data)
