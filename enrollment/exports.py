"""Spreadsheet exports. Written row by row to a temporary file and streamed, so memory stays flat.

A text cell that begins with =, +, - or @ is written as text, never as a formula (CSV/formula
injection), and characters a workbook cannot hold are dropped: whatever text is stored, an export
never fails on it. Resident ID numbers are masked except in the coordinators' explicit full export, which
the audit log records.
"""

import tempfile
from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

from courses.models import Cohort
from enrollment.models import Receipt
from learners.models import Enrollment, Learner
from portal import pii
from portal.models import User
from portal.services import audit_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")


def _cell(sheet, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"  # text, even though it looks like a formula
    return cell


def xlsx_response(
    *, filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def receipts_xlsx(receipts: QuerySet[Receipt]) -> FileResponse:
    headers = [
        _("回执编号"), _("学校"), _("学校标识码"), _("省份"), _("条线"), _("状态"), _("班次及人数"),
        _("总人数"), _("拟启动日期"), _("学习天数"), _("联系人"), _("联系人手机"), _("联系人邮箱"),
        _("提交时间"),
    ]  # fmt: skip

    def rows():
        for receipt in receipts.order_by("pk"):
            lines = "；".join(
                f"{line.program.name}×{line.participants}" for line in receipt.lines.all()
            )
            yield [
                receipt.pk,
                receipt.institution.name,
                receipt.institution.code,
                receipt.institution.province.name,
                receipt.get_desk_display(),
                receipt.get_status_display(),
                lines,
                receipt.total_participants or 0,
                receipt.preferred_start_date,
                receipt.study_length_days,
                receipt.liaison_name,
                receipt.liaison_mobile,
                receipt.liaison_email,
                timezone.localtime(receipt.submitted_at).replace(tzinfo=None)
                if receipt.submitted_at
                else "",
            ]

    return xlsx_response(
        filename=f"receipts-{_stamp()}.xlsx", title=_("参训回执"), headers=headers, rows=rows()
    )


def roster_xlsx(receipt: Receipt, *, full_ids: bool, by: User) -> FileResponse:
    headers = [
        _("行号"), _("姓名"), _("性别"), _("身份证号"), _("手机号码"), _("所在部门"), _("岗位/人员类别"),
        _("政治面貌"), _("培训班次"), _("待核实"),
    ]  # fmt: skip
    entries = receipt.roster.select_related("program").order_by("row_number")
    if full_ids:
        audit_record(
            actor=by,
            action="roster.export_full",
            target=receipt,
            details={"rows": entries.count()},
        )

    def rows():
        for entry in entries.iterator(chunk_size=2000):
            yield [
                entry.row_number,
                entry.name,
                entry.get_gender_display(),
                pii.decrypt(entry.id_encrypted) if full_ids else entry.id_masked,
                entry.mobile if full_ids else pii.mask_mobile(entry.mobile),
                entry.department,
                entry.post,
                entry.get_party_status_display(),
                entry.program.name,
                entry.review_note,
            ]

    suffix = "full" if full_ids else "masked"
    return xlsx_response(
        filename=f"roster-{receipt.pk}-{suffix}-{_stamp()}.xlsx",
        title=_("名单"),
        headers=headers,
        rows=rows(),
    )


def credentials_xlsx(receipt: Receipt, *, by: User) -> FileResponse:
    """The learners' logins and initial passwords, for the school to hand over.

    Only for accounts this school opened: a person who already had an account (opened when another
    school enrolled her) keeps it and its password, and this school receives neither.
    """
    headers = [_("姓名"), _("身份证号"), _("培训班次"), _("期次"), _("登录名"), _("初始密码")]
    entries = list(receipt.roster.select_related("program", "line__cohort").order_by("row_number"))
    learners = {
        learner.id_hash: learner
        for learner in Learner.objects.select_related("user").filter(
            id_hash__in=[entry.id_hash for entry in entries]
        )
    }
    audit_record(actor=by, action="credentials.export", target=receipt)
    existing_account = _("（已有账号，请学员使用原账号登录；忘记密码请联系学院）")

    def rows():
        for entry in entries:
            learner = learners.get(entry.id_hash)
            if learner is None or entry.line.cohort is None:
                continue
            if learner.issued_by_id != receipt.institution_id:
                username, password = "", existing_account
            elif learner.initial_password_encrypted:
                username = learner.user.username
                password = pii.decrypt(learner.initial_password_encrypted)
            else:
                username, password = learner.user.username, _("（学员已自行修改）")
            yield [
                entry.name,
                entry.id_masked,
                entry.program.name,
                entry.line.cohort.name,
                username,
                password,
            ]

    return xlsx_response(
        filename=f"learner-accounts-{receipt.pk}.xlsx",
        title=_("学员账号"),
        headers=headers,
        rows=rows(),
    )


def cohort_xlsx(cohort: Cohort) -> FileResponse:
    headers = [_("姓名"), _("学校"), _("身份证号"), _("手机号码"), _("登录名"), _("编入时间")]
    enrollments = Enrollment.objects.filter(cohort=cohort).select_related(
        "learner__learner", "institution"
    )

    def rows():
        for enrollment in enrollments.order_by("institution__name", "pk").iterator(chunk_size=2000):
            user = enrollment.learner
            profile = getattr(user, "learner", None)
            yield [
                user.full_name,
                enrollment.institution.name,
                profile.id_masked if profile else "",
                pii.mask_mobile(user.mobile),
                user.username,
                timezone.localtime(enrollment.created_at).replace(tzinfo=None),
            ]

    return xlsx_response(
        filename=f"cohort-{cohort.pk}-{_stamp()}.xlsx",
        title=_("期次名单"),
        headers=headers,
        rows=rows(),
    )


def transcript_xlsx(report) -> FileResponse:
    """A person's training archive (``learners.hour_selectors.transcript``): her entries, then her
    totals per year and for the plan period against her requirement."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("学时记录"))
    sheet.append(
        [
            _cell(sheet, header)
            for header in [
                _("完成日期"),
                _("培训项目"),
                _("来源"),
                _("学习平台或组织单位"),
                _("学时"),
                _("其中理论学时"),
            ]
        ]
    )
    for entry in report.entries:
        sheet.append(
            [
                _cell(sheet, value)
                for value in [
                    entry.completed_on,
                    entry.title,
                    entry.get_source_display(),
                    entry.platform,
                    float(entry.hours),
                    float(entry.theory_hours),
                ]
            ]
        )
    totals = workbook.create_sheet(_("学时汇总"))
    totals.append(
        [_cell(totals, h) for h in [_("年度"), _("学时"), _("理论学时"), _("脱产培训学时")]]
    )
    for year in report.years:
        totals.append(
            [
                _cell(totals, value)
                for value in [
                    year.year,
                    float(year.hours),
                    float(year.theory_hours),
                    float(year.off_job_hours),
                ]
            ]
        )
    start, end = report.period
    totals.append([_cell(totals, f"{start}–{end}"), float(report.total), float(report.theory)])
    totals.append(
        [
            _cell(totals, _("要求")),
            float(report.required) if report.required is not None else None,
            _cell(totals, report.standing_label),
        ]
    )
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"transcript-{report.learner.pk}-{_stamp()}.xlsx",
        content_type=XLSX,
    )
