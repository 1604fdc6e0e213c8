from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses.selectors import program_list
from enrollment.selectors import institution_list, receipt_status_counts
from learners.selectors import learner_enrollments
from learners.services import learner_password_changed
from portal.forms import LoginForm


def home(request):
    return render(request, "portal/home.html", {"programs": program_list()[:6]})


@login_required
def dashboard(request):
    institutions = institution_list(user=request.user)
    return render(
        request,
        "portal/dashboard.html",
        {
            "institutions": institutions[:20],
            "institution_count": institutions.count(),
            "enrollments": learner_enrollments(learner=request.user),
            "receipt_counts": receipt_status_counts(user=request.user),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; a learner on her first sign-in sets it without the old one."""

    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:dashboard")

    def get_form_class(self):
        if self.request.user.must_change_password:
            return SetPasswordForm
        return super().get_form_class()

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.must_change_password:
            learner_password_changed(user=self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return response


@never_cache
@require_GET
def healthz(request):
    """Readiness: the database answers. Never reveals configuration."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Errors raised before a view runs (no route matched, a bad Host, a crash): JSON under /api/, in the
# API's error shape; the usual pages elsewhere.


def _api_error(request, status: int, detail: str, code: str) -> JsonResponse | None:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return None


def bad_request(request, exception=None):
    return _api_error(request, 400, _("请求无效。"), "bad_request") or defaults.bad_request(
        request, exception
    )


def permission_denied(request, exception=None):
    return _api_error(
        request, 403, _("您没有执行该操作的权限。"), "permission_denied"
    ) or defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    return _api_error(request, 404, _("未找到。"), "not_found") or defaults.page_not_found(
        request, exception
    )


def server_error(request):
    return _api_error(
        request, 500, _("服务器出错了，请稍后再试。"), "server_error"
    ) or defaults.server_error(request)
