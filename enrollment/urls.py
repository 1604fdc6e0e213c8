from django.urls import path

from enrollment.views import institutions, receipts

app_name = "enrollment"

urlpatterns = [
    path("institutions/", institutions.institution_list_view, name="institution-list"),
    path(
        "institutions/<int:pk>/",
        institutions.institution_detail_view,
        name="institution-detail",
    ),
    path("receipts/", receipts.receipt_list_view, name="receipt-list"),
    path("receipts/new/", receipts.receipt_create_view, name="receipt-create"),
    path("receipts/export.xlsx", receipts.receipts_export_view, name="receipt-export"),
    path("receipts/roster-template.xlsx", receipts.roster_template_view, name="roster-template"),
    path("receipts/<int:pk>/", receipts.receipt_detail_view, name="receipt-detail"),
    path("receipts/<int:pk>/edit/", receipts.receipt_edit_view, name="receipt-edit"),
    path(
        "receipts/<int:pk>/transition/<str:action>/",
        receipts.receipt_transition_view,
        name="receipt-transition",
    ),
    path("receipts/<int:pk>/seal/", receipts.seal_scan_view, name="seal-scan"),
    path("receipts/<int:pk>/roster/upload/", receipts.roster_upload_view, name="roster-upload"),
    path(
        "receipts/<int:pk>/roster/errors/<str:token>/",
        receipts.roster_error_file_view,
        name="roster-errors",
    ),
    path("receipts/<int:pk>/roster/add/", receipts.roster_add_view, name="roster-add"),
    path(
        "receipts/<int:pk>/roster/<int:entry_pk>/remove/",
        receipts.roster_remove_view,
        name="roster-remove",
    ),
    path("receipts/<int:pk>/roster.xlsx", receipts.roster_export_view, name="roster-export"),
    path(
        "receipts/<int:pk>/roster-full.xlsx",
        receipts.roster_export_view,
        {"full": True},
        name="roster-export-full",
    ),
    path(
        "receipts/<int:pk>/credentials.xlsx",
        receipts.credentials_export_view,
        name="credentials-export",
    ),
]
