"""What follows a completed enrollment here: its certificate, issued by a task after commit."""

from django.dispatch import receiver

from certificates.services import certificate_issue_enqueue
from learners.signals import enrollment_completed


@receiver(enrollment_completed, dispatch_uid="certificates.issue")
def issue_certificate(sender, enrollment_id: int, **kwargs) -> None:
    certificate_issue_enqueue(enrollment_id=enrollment_id)
