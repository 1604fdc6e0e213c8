"""Quote pages: the fee estimate the receipt form asks for as headcounts change (JSON, priced by
``billing.services.quotes`` like a quote: no fee rule in the script), and a coordinator's entry of
the negotiated fee of a custom line (shown on the receipt page, ``billing/_receipt_quote.html``)."""

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from billing.models import MAX_FEE, NegotiatedFee
from billing.services.quotes import QuoteDraft, negotiated_fee_set, quote_estimate
from courses.selectors import program_list
from enrollment.models import MAX_PARTICIPANTS, Receipt, ReceiptLine
from portal import access
from portal.errors import ApplicationError
from portal.models import Role
from portal.validators import single_line_text

MAX_PK = 2**63 - 1
_FIELD = re.compile(r"^program_(\d{1,19})$")


def yuan(amount: Decimal) -> str:
    """An amount as the pages print it: thousands separated, two places (196,000.00)."""
    return f"{amount:,.2f}"


def may_estimate(user) -> bool:
    """Whoever files or reviews receipts; learners see no money at all."""
    return (
        user.is_authenticated
        and not access.has_role(user, Role.LEARNER)
        and (access.can(user, access.ADD, Receipt) or access.is_academy(user))
    )


def _headcounts(query) -> dict[int, int]:
    """The form's ``program_<pk>`` fields that hold a headcount; anything else is left out."""
    counts: dict[int, int] = {}
    for name, value in list(query.items())[:200]:
        match = _FIELD.match(name)
        value = (value or "").strip()
        if match is None or not value.isdigit() or len(value) > 6:
            continue
        people = int(value)
        if 0 < people <= MAX_PARTICIPANTS:
            counts[int(match.group(1))] = people
    return counts


def draft_json(draft: QuoteDraft) -> dict:
    """A draft as the estimate sends it: every amount a string with two places (never a float)."""
    return {
        "lines": [
            {
                "program": line.program.name,
                "people": line.people,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "amount_display": yuan(line.amount),
                "note": line.note,
            }
            for line in draft.lines
        ],
        "pending": [program.name for program in draft.pending],
        "total": str(draft.total),
        "total_display": yuan(draft.total),
        "complete": draft.complete,
    }


@login_required
@require_GET
def quote_estimate_view(request):
    if not may_estimate(request.user):
        raise PermissionDenied
    counts = _headcounts(request.GET)
    pairs = [(program, counts[program.pk]) for program in program_list() if program.pk in counts]
    return JsonResponse(draft_json(quote_estimate(pairs)))


class NegotiatedFeeForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("协商金额（元）"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_FEE,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm", "step": "0.01", "min": "0.01"}
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("协商说明"),
        max_length=200,
        validators=[single_line_text],
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


@login_required
@require_POST
def negotiated_fee_view(request, pk: int, line: int):
    if not (0 < pk <= MAX_PK and 0 < line <= MAX_PK):
        raise Http404
    receipt = access.scope(request.user, Receipt.objects.all()).filter(pk=pk).first()
    if receipt is None:
        raise Http404
    receipt_line = ReceiptLine.objects.filter(pk=line, receipt=receipt).first()
    if receipt_line is None:
        raise Http404
    if not access.can(request.user, access.ADD, NegotiatedFee):
        raise PermissionDenied
    form = NegotiatedFeeForm(request.POST)
    back = reverse("enrollment:receipt-detail", args=[pk]) + "#quote"
    if not form.is_valid():
        why = [m for errors in form.errors.values() for m in errors]
        messages.error(request, " ".join(why))
        return redirect(back)
    try:
        negotiated_fee_set(
            line=receipt_line,
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("协商费用已保存。"))
    return redirect(back)


urlpatterns = [
    path("billing/quote-estimate/", quote_estimate_view, name="quote-estimate"),
    path(
        "billing/receipts/<int:pk>/lines/<int:line>/negotiated-fee/",
        negotiated_fee_view,
        name="negotiated-fee",
    ),
]
