import re
from pathlib import Path

import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


def test_the_portal_speaks_simplified_chinese_by_default_even_to_an_english_browser(client):
    response = client.get("/catalog/", headers={"Accept-Language": "en-US,en;q=0.9"})

    assert response.headers["Content-Language"] == "zh-hans"
    assert "如何报名" in response.content.decode()


def test_a_user_can_switch_to_english_and_back(client):
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/catalog/"}, follow=True)

    assert "How to enroll" in switched.content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/catalog/"})
    assert "如何报名" in client.get("/catalog/").content.decode()


def test_every_string_has_an_english_translation():
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header
    untranslated = [
        entry
        for entry in entries
        if "#, fuzzy" in entry
        or re.search(r'^msgstr(\[\d\])? ""\Z', entry.strip(), flags=re.MULTILINE)
    ]
    assert not untranslated, untranslated[:3]
