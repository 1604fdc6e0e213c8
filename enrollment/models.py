from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Desk, TimeStampedModel


class Province(models.Model):
    """A provincial-level division, keyed by its GB/T 2260 code (e.g. 11 北京市)."""

    code = models.CharField(_("代码"), max_length=2, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("省份")
        verbose_name_plural = _("省份")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="province_code_two_digits", condition=Q(code__regex=r"^\d{2}$")
            ),
        ]

    def __str__(self):
        return self.name


class InstitutionType(models.TextChoices):
    UNDERGRADUATE = "undergraduate", _("本科")
    VOCATIONAL = "vocational", _("高职")
    PRIVATE = "private", _("民办")


def desk_for_type(institution_type: str) -> str:
    """A 民办 school is handled on the 本科 desk unless the coordinators set otherwise."""
    if institution_type == InstitutionType.VOCATIONAL:
        return Desk.VOCATIONAL
    return Desk.UNDERGRADUATE


class Institution(TimeStampedModel):
    """A university or college (参训单位); training is organised per institution."""

    name = models.CharField(_("单位名称"), max_length=100)
    code = models.CharField(
        _("学校标识码"),
        max_length=10,
        unique=True,
        help_text=_("教育部颁发的 10 位学校标识码。"),
    )
    type = models.CharField(_("类型"), max_length=16, choices=InstitutionType.choices)
    desk = models.CharField(
        _("受理条线"),
        max_length=16,
        choices=Desk.choices,
        help_text=_("本科院校由本科条线受理，高职院校由高职条线受理；民办院校按其层次选择。"),
    )
    province = models.ForeignKey(
        Province, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="institutions"
    )

    class Meta:
        verbose_name = _("参训单位")
        verbose_name_plural = _("参训单位")
        ordering = ["province__code", "name"]
        constraints = [
            models.CheckConstraint(
                name="institution_code_ten_digits", condition=Q(code__regex=r"^\d{10}$")
            ),
            models.CheckConstraint(
                name="institution_desk_follows_type",
                condition=Q(type=InstitutionType.PRIVATE)
                | Q(type=InstitutionType.UNDERGRADUATE, desk=Desk.UNDERGRADUATE)
                | Q(type=InstitutionType.VOCATIONAL, desk=Desk.VOCATIONAL),
                violation_error_message=_("本科院校归本科条线，高职院校归高职条线。"),
            ),
        ]

    def __str__(self):
        return self.name
