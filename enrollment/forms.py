from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from courses.models import Program
from courses.selectors import program_list
from enrollment import rosters
from enrollment.models import (
    MAX_PARTICIPANTS,
    MAX_TEXT,
    Gender,
    Institution,
    PartyStatus,
    Receipt,
)
from enrollment.services import RECEIPT_FIELDS, LineRequest, seal_scan_suffix
from portal.errors import ApplicationError
from portal.validators import normalise_taxpayer_id


class ReceiptForm(forms.ModelForm):
    seal_scan = forms.FileField(
        label=_("盖章回执扫描件"),
        required=False,
        help_text=_("可选：加盖单位公章的回执扫描件（PDF、JPG 或 PNG，不超过 5 MB）。"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    class Meta:
        model = Receipt
        fields = list(RECEIPT_FIELDS)  # seal_scan is handled by the service
        widgets = {
            "preferred_start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "filled_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "suggestions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_seal_scan(self):
        upload = self.cleaned_data.get("seal_scan")
        if upload:
            try:
                seal_scan_suffix(upload)
            except ApplicationError as error:
                raise forms.ValidationError(error.message) from error
        return upload

    def clean_taxpayer_id(self):
        """Typed with spaces or small letters, the code is stored the way it is printed; what it
        may be is the model's rule (the check character included), the same for the API."""
        return normalise_taxpayer_id(self.cleaned_data["taxpayer_id"])


class LinesForm(forms.Form):
    """One participants field per program of the catalog; empty or zero means not requested."""

    def __init__(self, *args, receipt: Receipt | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = list(program_list())
        current = {}
        if receipt is not None and receipt.pk:
            current = {line.program_id: line.participants for line in receipt.lines.all()}
        for program in self.programs:
            # What a headcount may be (and the message) is the service's and the model's rule;
            # 0 or empty here means the program is not requested.
            self.fields[f"program_{program.pk}"] = forms.IntegerField(
                label=program.name,
                min_value=0,
                required=False,
                initial=current.get(program.pk),
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control form-control-sm",
                        "min": 0,
                        "max": program.max_participants or MAX_PARTICIPANTS,
                    }
                ),
            )

    def rows(self):
        return [(program, self[f"program_{program.pk}"]) for program in self.programs]

    def line_requests(self) -> list[LineRequest]:
        return [
            LineRequest(program=program, participants=self.cleaned_data[f"program_{program.pk}"])
            for program in self.programs
            if self.cleaned_data.get(f"program_{program.pk}")
        ]


class SchoolsForm(forms.Form):
    """A provincial coordinator picks the schools of her province to file for."""

    institutions = forms.ModelMultipleChoiceField(
        label=_("参训学校"),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, province_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = Institution.objects.filter(province_id=province_id)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("名单文件"),
        help_text=_("支持 .xlsx、.xls、.ods，最大 10 MB、20000 行。"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".xlsx,.xls,.ods"}
        ),
    )
    consent = forms.BooleanField(
        label=_(
            "本单位已告知名单中的人员：其姓名、身份证号、手机号等信息将用于本次培训的报名与学时管理。"
        ),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > rosters.MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件超过 10 MB，请拆分后上传。"))
        return upload


class RosterPersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    id_number = forms.CharField(label=_("身份证号"), max_length=40)
    mobile = forms.CharField(label=_("手机号码"), max_length=20)
    department = forms.CharField(label=_("所在部门"), max_length=100)
    post = forms.CharField(label=_("岗位/人员类别"), max_length=100)
    party_status = forms.ChoiceField(label=_("政治面貌"), choices=PartyStatus.choices)
    program = forms.ModelChoiceField(label=_("培训班次"), queryset=Program.objects.none())
    consent = forms.BooleanField(
        label=_("已告知此人其信息将用于本次培训的报名与学时管理。"), required=False
    )

    def __init__(self, *args, receipt: Receipt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(
            pk__in=receipt.lines.values("program_id")
        )
        for name, field in self.fields.items():
            if name == "consent":
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def roster_values(self) -> dict[str, str]:
        """The values as a spreadsheet row would carry them (Chinese labels whatever the page's
        language), for the same checks."""
        data = self.cleaned_data
        with translation.override(None):
            gender = str(Gender(data["gender"]).label)
            party_status = str(PartyStatus(data["party_status"]).label)
        return {
            "name": data["name"].strip(),
            "gender": gender,
            "id_number": data["id_number"],
            "mobile": data["mobile"],
            "department": data["department"].strip(),
            "post": data["post"].strip(),
            "party_status": party_status,
            "program": data["program"].name,
        }


class CommentForm(forms.Form):
    """What a comment may be is the transition's rule (ReceiptTransition.comment), which the
    service checks: the page and the API then say the same thing."""

    comment = forms.CharField(
        label=_("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control", "maxlength": MAX_TEXT}),
    )
