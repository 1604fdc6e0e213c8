from django.db import transaction

from enrollment import provinces
from enrollment.models import Province


@transaction.atomic
def provinces_load() -> int:
    """Create the provinces that are missing; returns how many were created."""
    return provinces.load_into(Province)
