"""What follows a completed enrollment: its entry in the person's hour ledger."""

from django.dispatch import receiver

from learners.services.hours import hour_entry_record_completion
from learners.signals import enrollment_completed


@receiver(enrollment_completed, dispatch_uid="learners.hour_entry")
def record_hours(sender, enrollment_id: int, **kwargs) -> None:
    hour_entry_record_completion(enrollment_id=enrollment_id)
