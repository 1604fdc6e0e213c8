from django import forms
from django.contrib import admin

from courses.models import Cohort, Program, SimulationStage, SimulationStep
from courses.services import cohort_validate
from portal.admin_site import AccessInlineMixin, AccessModelAdmin
from portal.errors import ApplicationError


@admin.register(Program)
class ProgramAdmin(AccessModelAdmin):
    list_display = (
        "name",
        "series",
        "category",
        "fee_rule",
        "fee_amount",
        "max_participants",
        "default_hours",
        "is_active",
    )
    list_filter = ("series", "category", "fee_rule", "is_active", "catalog_year")
    list_editable = ("is_active",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class SimulationStepInline(AccessInlineMixin, admin.TabularInline):
    model = SimulationStep
    extra = 0


@admin.register(SimulationStage)
class SimulationStageAdmin(AccessModelAdmin):
    list_display = ("number", "name")
    inlines = [SimulationStepInline]


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["program", "name", "start_date", "end_date", "capacity", "coordinator"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            cohort_validate(
                program=data["program"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                capacity=data["capacity"],
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(Cohort)
class CohortAdmin(AccessModelAdmin):
    form = CohortForm
    list_display = ("name", "program", "start_date", "end_date", "capacity", "coordinator")
    list_filter = ("program",)
    search_fields = ("name", "program__name")
    list_select_related = ("program", "coordinator")
    date_hierarchy = "start_date"
