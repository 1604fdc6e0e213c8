from django import forms
from django.contrib import admin

from courses.models import Cohort, Program, SimulationStage, SimulationStep
from courses.services import (
    COHORT_FIELDS,
    cohort_create,
    cohort_update,
    cohort_validate,
    program_save,
    program_validate,
)
from portal.admin_site import AccessInlineMixin, AccessModelAdmin, ServiceForm


class ProgramForm(ServiceForm):
    validator = staticmethod(program_validate)

    class Meta:
        model = Program
        fields = "__all__"


@admin.register(Program)
class ProgramAdmin(AccessModelAdmin):
    form = ProgramForm
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

    def get_changelist_form(self, request, **kwargs):
        return forms.modelform_factory(Program, form=ProgramForm, fields=self.list_editable)

    def save_model(self, request, obj, form, change):
        program_save(program=obj, by=request.user, changed=form.changed_data)


class SimulationStepInline(AccessInlineMixin, admin.TabularInline):
    model = SimulationStep
    extra = 0


@admin.register(SimulationStage)
class SimulationStageAdmin(AccessModelAdmin):
    list_display = ("number", "name")
    inlines = [SimulationStepInline]


class CohortForm(ServiceForm):
    """The admin's cohort form keeps every rule of the pages: ``cohort_validate`` judges it."""

    validator = staticmethod(cohort_validate)

    class Meta:
        model = Cohort
        fields = list(COHORT_FIELDS)


@admin.register(Cohort)
class CohortAdmin(AccessModelAdmin):
    form = CohortForm
    list_display = ("name", "program", "start_date", "end_date", "capacity", "coordinator")
    list_filter = ("program",)
    search_fields = ("name", "program__name")
    list_select_related = ("program", "coordinator")
    date_hierarchy = "start_date"

    def save_model(self, request, obj, form, change):
        """Through the services, which lock the cohort and check again inside the lock."""
        data = {
            name: form.cleaned_data[name] for name in COHORT_FIELDS if name in form.cleaned_data
        }
        if change:
            saved = cohort_update(cohort=obj, by=request.user, data=data)
        else:
            saved = cohort_create(by=request.user, **{"coordinator": None, **data})
        obj.pk = saved.pk
