from cryptography.exceptions import InvalidTag
from django.utils.crypto import constant_time_compare

from portal import pii
from portal.models import Role, User


class InitialPasswordBackend:
    """Lets a new learner sign in once with the initial password the school handed over.

    Only while ``must_change_password`` holds; the portal then makes her choose her own password,
    after which the initial one is erased. (Hashing thousands of passwords when a cohort is
    scheduled would take minutes, so the initial password is kept encrypted instead.)
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = (
            User.objects.select_related("learner")
            .filter(username=username, role=Role.LEARNER, must_change_password=True, is_active=True)
            .first()
        )
        if user is None or not user.learner.initial_password_encrypted:
            return None
        try:
            initial = pii.decrypt(user.learner.initial_password_encrypted)
        except (InvalidTag, KeyError, ValueError):  # a key that was rotated away: no way in
            return None
        return user if constant_time_compare(initial, password) else None

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()
