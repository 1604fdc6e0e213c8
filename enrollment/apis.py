from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from courses.apis import ProgramCodeField
from enrollment import rosters, services
from enrollment.models import (
    Institution,
    Province,
    Receipt,
    ReceiptLine,
    ReceiptTransition,
    RosterEntry,
)
from enrollment.selectors import (
    InstitutionFilter,
    ReceiptFilter,
    institution_list,
    province_list,
    receipt_detail,
    receipt_list,
    receipt_roster,
)
from enrollment.services import RECEIPT_FIELDS, LineRequest
from portal.api import ObjectAccess, PortalModelSerializer, StrictPrimaryKeyRelatedField

# A receipt requests each program of the catalog at most once.
MAX_LINES = 50


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
    filterset_class = InstitutionFilter
    queryset = Institution.objects.none()  # for the schema; get_queryset scopes per request

    def get_queryset(self):
        return institution_list(user=self.request.user)


class ReceiptLineSerializer(PortalModelSerializer):
    program = ProgramCodeField()
    cohort = serializers.CharField(
        source="cohort.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ReceiptLine
        fields = ["program", "participants", "cohort"]


class ReceiptTransitionSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = ReceiptTransition
        fields = ["from_status", "to_status", "by", "at", "comment"]


class ReceiptSerializer(PortalModelSerializer):
    institution = StrictPrimaryKeyRelatedField(queryset=Institution.objects.all())
    lines = ReceiptLineSerializer(many=True, min_length=1, max_length=MAX_LINES)
    transitions = ReceiptTransitionSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "institution",
            "status",
            "status_display",
            "desk",
            *RECEIPT_FIELDS,
            "lines",
            "transitions",
            "submitted_at",
            "created_at",
        ]
        read_only_fields = ["status", "desk", "submitted_at", "created_at"]


class CommentSerializer(PortalModelSerializer):
    """A transition's comment: its rule (length, plain text) is the transition model's."""

    class Meta:
        model = ReceiptTransition
        fields = ["comment"]
        extra_kwargs = {"comment": {"default": ""}}


class RosterEntrySerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    id_number = serializers.CharField(source="id_masked", read_only=True)

    class Meta:
        model = RosterEntry
        fields = [
            "id",
            "row_number",
            "name",
            "gender",
            "id_number",
            "department",
            "post",
            "party_status",
            "program",
            "needs_review",
            "review_note",
        ]


class UploadField(serializers.FileField):
    """A multipart part, whether or not the client named a file: what it is is judged by its
    content (the roster reader refuses what is not a spreadsheet, with a sentence saying so)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = SimpleUploadedFile("upload", data.encode())
        return super().to_internal_value(data)


class RosterUploadSerializer(serializers.Serializer):
    file = UploadField(allow_empty_file=True)
    consent = serializers.BooleanField()

    def validate_file(self, upload):
        if (upload.size or 0) > rosters.MAX_FILE_BYTES:  # refused before it is read into memory
            raise serializers.ValidationError(_("文件超过 10 MB，请拆分后上传。"))
        return upload


class RosterImportedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="How many people the roster now holds.")


def _line_requests(data) -> list[LineRequest]:
    return [
        LineRequest(program=line["program"], participants=line["participants"]) for line in data
    ]


class ReceiptViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Enrollment receipts: the school files them, the academy reviews them."""

    serializer_class = ReceiptSerializer
    permission_classes = [IsAuthenticated, ObjectAccess]
    filterset_class = ReceiptFilter
    queryset = Receipt.objects.none()
    http_method_names = ["get", "post", "put", "patch"]

    def get_queryset(self):
        return receipt_list(user=self.request.user).prefetch_related("transitions__by")

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in RECEIPT_FIELDS}
        serializer.instance = services.receipt_create(
            institution=serializer.validated_data["institution"],
            by=self.request.user,
            data=data,
            lines=_line_requests(serializer.validated_data["lines"]),
        )

    def update(self, request, *args, **kwargs):
        receipt = self.get_object()
        serializer = self.get_serializer(receipt, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        current = {name: getattr(receipt, name) for name in RECEIPT_FIELDS}
        data = {
            **current,
            **{k: v for k, v in serializer.validated_data.items() if k in RECEIPT_FIELDS},
        }
        lines = serializer.validated_data.get("lines")
        if lines is None:
            requests = [
                LineRequest(program=line.program, participants=line.participants)
                for line in receipt.lines.all()
            ]
        else:
            requests = _line_requests(lines)
        receipt = services.receipt_update(
            receipt=receipt, by=request.user, data=data, lines=requests
        )
        return Response(self.get_serializer(receipt_detail(user=request.user, pk=receipt.pk)).data)

    def _transition(self, request, service):
        receipt = self.get_object()
        payload = CommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        receipt = service(
            receipt=receipt, by=request.user, comment=payload.validated_data["comment"]
        )
        return Response(self.get_serializer(receipt_detail(user=request.user, pk=receipt.pk)).data)

    @extend_schema(request=CommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.receipt_submit)

    @extend_schema(request=CommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, services.receipt_withdraw)

    @extend_schema(request=CommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, services.receipt_approve)

    @extend_schema(request=CommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_changes(self, request, pk=None):
        return self._transition(request, services.receipt_return)

    @extend_schema(request=CommentSerializer, responses=ReceiptSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(request, services.receipt_reject)

    @extend_schema(methods=["get"], responses=RosterEntrySerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": RosterUploadSerializer},
        responses={201: RosterImportedSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def roster(self, request, pk=None):
        receipt = self.get_object()
        if request.method == "GET":
            entries = receipt_roster(receipt=receipt)
            page = self.paginate_queryset(entries)
            return self.get_paginated_response(RosterEntrySerializer(page, many=True).data)
        payload = RosterUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.roster_import(
            receipt=receipt,
            data=payload.validated_data["file"].read(),
            by=request.user,
            consent=payload.validated_data["consent"],
        )
        if not result.ok:
            return Response(
                {
                    "detail": _("名单有错误，未导入任何数据。"),
                    "code": "roster_invalid",
                    "errors": [
                        {
                            "row": e.row_number,
                            "column": e.header,
                            "message": e.message,
                            "text": str(e),
                        }
                        for e in result.errors
                    ],
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response({"created": result.created}, status=status.HTTP_201_CREATED)
