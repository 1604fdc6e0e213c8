from django import forms
from django.utils.translation import gettext_lazy as _

from learners.models import Evaluation

SCALE = [(5, _("非常满意")), (4, _("满意")), (3, _("一般")), (2, _("不满意")), (1, _("很不满意"))]
DIMENSIONS = ("overall", "content", "organisation", "platform")


class EvaluationForm(forms.ModelForm):
    """The satisfaction survey: four ratings of the program, one per lesson, and a comment. The
    model's validators judge the values (the service runs them); the form only lays them out."""

    class Meta:
        model = Evaluation
        fields = [*DIMENSIONS, "comment"]
        widgets = {
            **{name: forms.RadioSelect(choices=SCALE) for name in DIMENSIONS},
            "comment": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, lessons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lessons = list(lessons)
        for name in DIMENSIONS:
            self.fields[name].widget.choices = SCALE
        for lesson in self.lessons:  # the service checks each rating against LessonRating's rules
            self.fields[f"lesson_{lesson.pk}"] = forms.TypedChoiceField(
                label=lesson.title, choices=SCALE, coerce=int, widget=forms.RadioSelect
            )

    def _post_clean(self):
        """The service validates and saves the whole survey at once."""

    def ratings(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in DIMENSIONS}

    def lesson_ratings(self) -> dict[int, int]:
        return {lesson.pk: self.cleaned_data[f"lesson_{lesson.pk}"] for lesson in self.lessons}

    def lesson_fields(self):
        return [self[f"lesson_{lesson.pk}"] for lesson in self.lessons]
