from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.validators import mobile_number, single_line_text


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class Desk(models.TextChoices):
    """The academy's two coordinator desks; a receipt goes to the desk of its institution."""

    UNDERGRADUATE = "undergraduate", _("本科院校")
    VOCATIONAL = "vocational", _("高职院校")


class Role(models.TextChoices):
    INSTITUTION_STAFF = "institution_staff", _("参训单位联系人")
    PROVINCIAL_COORDINATOR = "provincial_coordinator", _("省级统筹")
    ACADEMY_COORDINATOR = "academy_coordinator", _("学院项目负责人")
    LEARNER = "learner", _("学员")


class User(AbstractUser):
    """A person who signs in. Their role and its scope (institution, province, desk) decide access.

    A superuser is an administrator of the academy and sees everything.
    """

    first_name = models.CharField(
        _("名"), max_length=150, blank=True, validators=[single_line_text]
    )
    last_name = models.CharField(_("姓"), max_length=150, blank=True, validators=[single_line_text])
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    full_name = models.CharField(
        _("姓名"), max_length=64, blank=True, validators=[single_line_text]
    )
    mobile = models.CharField(_("手机"), max_length=20, blank=True, validators=[mobile_number])
    institution = models.ForeignKey(
        "enrollment.Institution",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    province = models.ForeignKey(
        "enrollment.Province",
        verbose_name=_("统筹省份"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinators",
    )
    desk = models.CharField(_("负责条线"), max_length=16, choices=Desk.choices, blank=True)
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                name="user_role_scope",
                condition=(
                    Q(role="")
                    | Q(
                        role=Role.INSTITUTION_STAFF,
                        institution__isnull=False,
                        province__isnull=True,
                    )
                    | Q(role=Role.LEARNER, institution__isnull=False, province__isnull=True)
                    | Q(
                        role=Role.PROVINCIAL_COORDINATOR,
                        province__isnull=False,
                        institution__isnull=True,
                    )
                    | (
                        Q(role=Role.ACADEMY_COORDINATOR, institution__isnull=True)
                        & Q(province__isnull=True)
                        & ~Q(desk="")
                    )
                ),
                violation_error_message=_("角色与其所属单位、省份或条线不匹配。"),
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        """A new password, however it was set (page, admin, command), revokes the API tokens.

        Sessions need nothing: Django already ends those signed with the old password's hash.
        """
        password_changed = getattr(self, "_password", None) is not None
        super().save(*args, **kwargs)
        if password_changed:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One state change: who did what to which object, when. Append-only.

    Never holds personal data beyond the actor; ``details`` holds masked values only.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT, null=True, blank=True
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
