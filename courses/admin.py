from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Choice,
    Cohort,
    HourBand,
    Lesson,
    LiveSession,
    Program,
    Question,
    SimulationOption,
    SimulationStage,
    SimulationStep,
    TaskKind,
)
from courses.services import (
    COHORT_FIELDS,
    MAX_CHOICES,
    ChoiceData,
    cohort_create,
    cohort_update,
    cohort_validate,
    lesson_save,
    lesson_validate,
    program_hour_bands_changed,
    program_save,
    program_validate,
    question_choices_validate,
    question_validate,
)
from learners.services.live import live_session_create, live_session_update, live_session_validate
from portal.admin_site import AccessInlineMixin, AccessModelAdmin, ServiceForm
from portal.errors import ApplicationError
from portal.services import audit_record


class ProgramForm(ServiceForm):
    validator = staticmethod(program_validate)

    class Meta:
        model = Program
        fields = "__all__"


# ---- lessons ----


class HourBandInline(AccessInlineMixin, admin.TabularInline):
    """How a lesson's length becomes hours; saving recomputes every lesson's hours."""

    model = HourBand
    extra = 0


class LessonForm(ServiceForm):
    """The file is measured (PyAV) and refused here if it is not a readable video."""

    validator = staticmethod(lesson_validate)

    class Meta:
        model = Lesson
        fields = ("position", "title", "speaker", "is_theory", "video", "description")


class LessonInline(AccessInlineMixin, admin.StackedInline):
    model = Lesson
    form = LessonForm
    extra = 0
    fields = (
        ("position", "title"),
        ("speaker", "is_theory"),
        "video",
        ("duration_display", "hours", "preview"),
        "description",
    )
    readonly_fields = ("duration_display", "hours", "preview")

    @admin.display(description=_("时长"))
    def duration_display(self, lesson):
        return lesson.duration_display if lesson.pk else "—"

    @admin.display(description=_("预览"))
    def preview(self, lesson):
        if not lesson.pk:
            return "—"
        url = reverse("learners:lesson-preview", kwargs={"lesson": lesson.pk})
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("播放视频"))


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

    inlines = [HourBandInline, LessonInline]

    def save_model(self, request, obj, form, change):
        program_save(program=obj, by=request.user, changed=form.changed_data)

    def save_formset(self, request, form, formset, change):
        """Lessons through ``lesson_save`` (length and hours); bands, then every lesson's hours."""
        if formset.model not in (Lesson, HourBand):
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_record(
                actor=request.user, action=f"{formset.model._meta.model_name}.delete", target=obj
            )
            obj.delete()
        if formset.model is Lesson:
            for lesson in instances:
                lesson_save(lesson=lesson, by=request.user)
            return None
        for band in instances:
            band.save()
            audit_record(actor=request.user, action="hourband.change", target=band)
        if instances or formset.deleted_objects:
            program_hour_bands_changed(form.instance)
        return None


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


# ---- exam question bank ----


class ChoiceFormSet(forms.BaseInlineFormSet):
    """The choices a question will have once saved, judged by the service's rules."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        choices = [
            ChoiceData(
                text=form.cleaned_data.get("text", ""),
                is_correct=form.cleaned_data.get("is_correct", False),
            )
            for form in sorted(
                (f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)),
                key=lambda f: f.cleaned_data.get("position") or 0,
            )
        ]
        try:
            question_choices_validate(self.instance.kind, choices)
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from None


class ChoiceInline(AccessInlineMixin, admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 4
    max_num = MAX_CHOICES
    fields = ("position", "text", "is_correct")


class QuestionForm(ServiceForm):
    class Meta:
        model = Question
        fields = ("program", "kind", "text", "explanation", "is_active")


@admin.register(Question)
class QuestionAdmin(AccessModelAdmin):
    form = QuestionForm
    inlines = [ChoiceInline]
    list_display = ("short_text", "program", "kind", "is_active", "updated_at")
    list_filter = ("program", "kind", "is_active")
    search_fields = ("text", "explanation", "choices__text")
    list_select_related = ("program",)
    list_per_page = 50

    @admin.display(description=_("题干"))
    def short_text(self, obj):
        return str(obj)

    def changelist_view(self, request, extra_context=None):
        """The list filtered to one program offers the spreadsheet import of its bank."""
        pk = request.GET.get("program__id__exact", "")
        program = Program.objects.filter(pk=pk).first() if pk.isdigit() else None
        return super().changelist_view(
            request, {**(extra_context or {}), "import_program": program}
        )

    def save_related(self, request, form, formsets, change):
        """The choices are saved; the whole question is judged again as stored, inside the
        admin's transaction, so that nothing breaking a rule is kept."""
        super().save_related(request, form, formsets, change)
        question = form.instance
        question_validate(question, list(question.choices.all()))


# ---- simulation and live sessions ----


class SimulationOptionFormSet(forms.BaseInlineFormSet):
    """A decision step keeps exactly one right option, whatever the admin edits."""

    def clean(self):
        super().clean()
        if self.instance.task_kind != TaskKind.DECISION:
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if sum(1 for data in kept if data.get("is_correct")) != 1:
            raise forms.ValidationError(_("决策步骤须有且只有一个正确做法。"))


class SimulationOptionInline(AccessInlineMixin, admin.TabularInline):
    model = SimulationOption
    formset = SimulationOptionFormSet
    extra = 0
    fields = ("position", "text", "is_correct", "feedback")


@admin.register(SimulationStep)
class SimulationStepAdmin(AccessModelAdmin):
    list_display = ("number", "name", "stage", "task_kind", "document_min_chars")
    list_filter = ("stage", "task_kind")
    list_select_related = ("stage",)
    search_fields = ("name", "case", "task")
    readonly_fields = ("number", "stage")
    fields = (
        "number",
        "stage",
        "name",
        "case",
        "task_kind",
        "task",
        "document_template",
        "document_min_chars",
        "document_keywords",
    )
    inlines = [SimulationOptionInline]

    def has_add_permission(self, request):
        return False  # the 25 steps are fixed; their content is edited here


class LiveSessionForm(ServiceForm):
    validator = staticmethod(live_session_validate)

    class Meta:
        model = LiveSession
        fields = (
            "cohort",
            "title",
            "speaker",
            "starts_at",
            "duration_minutes",
            "link",
            "hours",
            "is_theory",
        )


@admin.register(LiveSession)
class LiveSessionAdmin(AccessModelAdmin):
    form = LiveSessionForm
    list_display = ("title", "cohort", "starts_at", "duration_minutes", "hours", "is_theory")
    list_filter = ("is_theory",)
    list_select_related = ("cohort__program",)
    search_fields = ("title", "speaker", "cohort__name")
    date_hierarchy = "starts_at"

    def get_readonly_fields(self, request, obj=None):
        return ("cohort",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        """Through the services, which lock and check again (a start within the cohort's dates)."""
        data = {
            name: form.cleaned_data[name]
            for name in form.Meta.fields
            if name in form.cleaned_data and name != "cohort"
        }
        if change:
            saved = live_session_update(session=obj, by=request.user, data=data)
        else:
            saved = live_session_create(
                cohort=form.cleaned_data["cohort"], by=request.user, data=data
            )
        obj.pk = saved.pk
