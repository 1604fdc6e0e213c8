"""The API's pages: ``?page=N``, N a whole number from 1; anything else is a 400, past the end a 404."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

MAX_PAGE = 999_999_999
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class PagePagination(PageNumberPagination):
    def get_page_number(self, request, paginator):
        given = request.query_params.getlist(self.page_query_param)
        if not given:
            return 1
        if len(given) > 1 or not PAGE_NUMBER.fullmatch(given[0]):
            raise exceptions.ValidationError(
                {self.page_query_param: [_("页码须为 1 至 %(max)s 的整数。") % {"max": MAX_PAGE}]}
            )
        return int(given[0])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
        return parameters
