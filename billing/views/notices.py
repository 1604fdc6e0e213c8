"""The payment notice: the school (its province, the academy) downloads it for an approved receipt."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from billing.services.notices import notice_filename, notice_pdf
from enrollment.models import Receipt
from enrollment.selectors import receipt_detail
from portal.errors import ApplicationError

MAX_PK = 2**63 - 1


def receipt_or_404(request, pk: int) -> Receipt:
    """A receipt the user may see (learners see none), else 404."""
    if not 0 < pk <= MAX_PK:
        raise Http404
    try:
        return receipt_detail(user=request.user, pk=pk)
    except Receipt.DoesNotExist:
        raise Http404 from None


@login_required
def payment_notice_pdf(request, pk: int):
    receipt = receipt_or_404(request, pk)
    try:
        pdf = notice_pdf(receipt=receipt, by=request.user)
    except ApplicationError as error:
        if error.status == 403:
            raise PermissionDenied(error.message) from None
        messages.error(request, error.message)
        return redirect("enrollment:receipt-detail", pk=receipt.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if request.GET.get("view") == "1" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{notice_filename(receipt)}"'
    return response


urlpatterns = [
    path("billing/receipts/<int:pk>/notice.pdf", payment_notice_pdf, name="notice-pdf"),
]
