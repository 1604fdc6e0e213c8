from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from portal.models import AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    comment: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one entry to the audit log; call it inside the transaction of the change it records.

    ``details`` must hold no personal data in clear (mask resident ID numbers before passing them).
    """
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=content_type,
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        comment=comment,
        details=details or {},
    )
