"""Writes of the enrollment app: provinces, receipts and their workflow, rosters."""

from django.db import transaction

from enrollment import provinces
from enrollment.models import OPEN_STATUSES, Province
from enrollment.services.receipts import (
    EDITABLE,
    RECEIPT_FIELDS,
    SEAL_SCAN_MAX_BYTES,
    LineRequest,
    receipt_approve,
    receipt_create,
    receipt_mark_scheduled,
    receipt_notifications_sweep,
    receipt_notify,
    receipt_reject,
    receipt_return,
    receipt_submit,
    receipt_update,
    receipt_withdraw,
    receipts_create_for_province,
    seal_scan_suffix,
)
from enrollment.services.rosters import (
    AMENDABLE,
    ROSTER_COLUMNS,
    RosterImportResult,
    roster_add_person,
    roster_import,
    roster_remove_person,
)

__all__ = [
    "AMENDABLE",
    "EDITABLE",
    "OPEN_STATUSES",
    "RECEIPT_FIELDS",
    "ROSTER_COLUMNS",
    "SEAL_SCAN_MAX_BYTES",
    "LineRequest",
    "RosterImportResult",
    "provinces_load",
    "receipt_approve",
    "receipt_create",
    "receipt_mark_scheduled",
    "receipt_notify",
    "receipt_notifications_sweep",
    "receipt_reject",
    "receipt_return",
    "receipt_submit",
    "receipt_update",
    "receipt_withdraw",
    "receipts_create_for_province",
    "roster_add_person",
    "roster_import",
    "roster_remove_person",
    "seal_scan_suffix",
]


@transaction.atomic
def provinces_load() -> int:
    """Create the provinces that are missing; returns how many were created."""
    return provinces.load_into(Province)
