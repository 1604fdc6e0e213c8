from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from enrollment.models import Institution
from enrollment.selectors import institution_list
from portal import access


@login_required
def institution_list_view(request):
    if not access.can(request.user, access.VIEW, Institution):
        raise PermissionDenied
    institutions = institution_list(user=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        institutions = institutions.filter(name__icontains=query)
    page = Paginator(institutions, 25).get_page(request.GET.get("page"))
    return render(request, "enrollment/institution_list.html", {"page": page, "q": query})


@login_required
def institution_detail_view(request, pk: int):
    # Objects outside the user's scope are a 404: their existence is not revealed.
    institution = get_object_or_404(institution_list(user=request.user), pk=pk)
    return render(request, "enrollment/institution_detail.html", {"institution": institution})
