from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses.selectors import program_list
from enrollment.selectors import institution_list
from learners.selectors import learner_enrollments
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
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    success_url = "/dashboard/"


@never_cache
@require_GET
def healthz(request):
    """Readiness: the database answers. Never reveals configuration."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
