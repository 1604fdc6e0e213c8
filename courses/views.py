from django.shortcuts import get_object_or_404, render

from courses.models import Category
from courses.selectors import program_list, simulation_stages


def catalog(request):
    programs = list(program_list())
    sections = {}
    for program in programs:
        sections.setdefault(program.get_series_display(), []).append(program)
    return render(request, "courses/catalog.html", {"sections": sections})


def program_detail(request, code: str):
    program = get_object_or_404(program_list(), code=code)
    stages = simulation_stages() if program.category == Category.SIMULATION else None
    return render(request, "courses/program_detail.html", {"program": program, "stages": stages})
