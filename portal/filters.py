"""The API's filter backend (kept apart from portal.api: DRF imports it while loading itself)."""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, except that a filter given with no value, or given twice, is refused rather
    than ignored or half-read: ``?desk=`` is not one of the desks (the schema's enum), so it is a
    400 like any other value that is not."""

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            problems = {}
            for name in filterset_class.base_filters:
                given = request.query_params.getlist(name)
                if len(given) > 1:
                    problems[name] = [_("只能给出一个值。")]
                elif given and not given[0].strip():
                    problems[name] = [_("不能为空；不按此条件筛选时请省略该参数。")]
            if problems:
                raise exceptions.ValidationError(problems)
        return super().get_filterset(request, queryset, view)
