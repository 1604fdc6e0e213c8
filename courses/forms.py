from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort, Program


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["program", "name", "start_date", "end_date", "capacity", "coordinator"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(is_active=True)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


class PlaceLineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label=_("题库文件（.xlsx）"),
        help_text=_("不超过 2 MB、2000 道题；请按模板填写，第一行为表头。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
    )
