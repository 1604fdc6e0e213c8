"""The API's filter backend (kept apart from portal.api: DRF imports it while loading itself)."""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, except that a filter given with no value is refused rather than ignored:
    ``?desk=`` is not one of the desks (the schema's enum), so it is a 400 like any other."""

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = {
                name: [_("不能为空；不按此条件筛选时请省略该参数。")]
                for name in filterset_class.base_filters
                if name in request.query_params
                and not all(value.strip() for value in request.query_params.getlist(name))
            }
            if empty:
                raise exceptions.ValidationError(empty, code="blank")
        return super().get_filterset(request, queryset, view)
