"""Every page of the portal, at a phone's width and a desktop's, in a real browser (Chromium).

Learners study on their phones, and a public portal owes WCAG 2.1 AA (GB/T 37668): so every page is
opened at 390×844 (a phone: mobile, touch) and at 1280×800, over the demo data set (portal.demo,
what ``make run`` loads) with a little more so that every kind of page has something to show. On
each page the test

- saves a full-page screenshot (under $E2E_SCREENSHOTS/pages/<width>/, or the test's tmp_path);
- fails when the page is wider than the window (it scrolls sideways), naming the elements that
  reach past the right edge;
- runs axe-core (installed from npm, package.json's devDependencies, and injected through the
  DevTools protocol, which the pages' Content Security Policy does not govern) with the WCAG 2.0/2.1
  A and AA rules and the best-practice landmark rules, and fails on any serious or critical
  violation and on any landmark violation, naming rule, element and help;
- fails on console errors and CSP violations, as the other browser tests do.

The pages come from the URLconf: every named route is either in PAGES (with who opens it and the
arguments, taken from the world) or in NOT_PAGES (downloads, POST-only actions, JSON, the API), so a
new page fails this test until it is given a sample. The Django admin is not checked: it is
third-party markup (its own accessibility is Django's), and coordinators use it at a desk.
"""

import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.e2e.test_study_journey import CHROMIUM

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
WIDTHS: dict[int, dict[str, Any]] = {390: PHONE, 1280: DESKTOP}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}

# Named routes that are not HTML pages one opens: downloads, POST-only actions, JSON, redirects.
NOT_PAGES = {
    "portal:logout": "POST only",
    "portal:healthz": "plain-text health check",
    "set_language": "POST only (the language switch)",
    "api-schema": "OpenAPI schema (YAML)",
    "api-docs": "Swagger UI, third-party markup",
    "courses:cohort-place": "POST only",
    "enrollment:receipt-transition": "POST only",
    "enrollment:seal-scan": "a download (the stamped scan)",
    "enrollment:roster-upload": "POST only",
    "enrollment:roster-errors": "a download (.xlsx of the roster's errors)",
    "enrollment:roster-add": "POST only",
    "enrollment:roster-remove": "POST only",
    "learners:lesson-video": "a video stream",
    "learners:lesson-heartbeat": "POST only",
    "learners:lesson-preview": "a video stream",
    "learners:hours-remind": "POST only",
    "certificates:revoke": "POST only",
    "certificates:reinstate": "POST only",
    "certificates:regenerate": "POST only",
    "certificates:batch-start": "POST only",
    "billing:invoice-request": "POST only",
    "billing:statement-line-confirm": "POST only",
    "billing:statement-line-ignore": "POST only",
    "billing:quote-estimate": "JSON for the receipt form's estimate",
    "billing:negotiated-fee": "POST only",
}
DOWNLOAD_SUFFIXES = (".xlsx", ".pdf", ".zip", ".json")


@dataclass(frozen=True)
class Sample:
    who: str  # a username of the world, or "" for an anonymous visitor
    kwargs: Callable[[SimpleNamespace], dict] | None = None  # the route's arguments, from the world


def at(**values):
    """Route arguments read off the world: ``at(pk="receipt_draft")`` → world.receipt_draft.pk."""

    def kwargs(world):
        return {
            name: (getattr(world, value).pk if isinstance(value, str) else value)
            for name, value in values.items()
        }

    return kwargs


ANONYMOUS, SCHOOL, DRAFTER, PROVINCE, ACADEMY, LEARNER, GRADUATE = (
    "",
    "school-1",
    "school-3",
    "prov-bj",
    "coord-ug",
    "learner-1",
    "learner-4",
)

# Every HTML page, with who opens it (several people where the page differs by role).
PAGES: dict[str, list[Sample]] = {
    "portal:home": [Sample(ANONYMOUS), Sample(LEARNER)],
    "portal:login": [Sample(ANONYMOUS)],
    "portal:dashboard": [Sample(SCHOOL), Sample(PROVINCE), Sample(ACADEMY), Sample(LEARNER)],
    "portal:password-change": [Sample(LEARNER)],
    "courses:catalog": [Sample(ANONYMOUS)],
    "courses:program-detail": [Sample(ANONYMOUS, lambda w: {"code": w.program.code})],
    "courses:question-import": [Sample(ACADEMY, lambda w: {"code": w.program.code})],
    "courses:cohort-list": [Sample(ACADEMY)],
    "courses:cohort-create": [Sample(ACADEMY)],
    "courses:cohort-detail": [Sample(ACADEMY, at(pk="cohort"))],
    "enrollment:institution-list": [Sample(PROVINCE), Sample(ACADEMY)],
    "enrollment:institution-detail": [Sample(SCHOOL, at(pk="school"))],
    "enrollment:receipt-list": [Sample(SCHOOL), Sample(PROVINCE), Sample(ACADEMY)],
    "enrollment:receipt-create": [Sample(SCHOOL)],
    "enrollment:receipt-detail": [
        Sample(SCHOOL, at(pk="receipt")),
        Sample(ACADEMY, at(pk="receipt")),
        Sample(DRAFTER, at(pk="receipt_draft")),
        Sample("coord-voc", at(pk="receipt_submitted")),
    ],
    "enrollment:receipt-edit": [Sample(DRAFTER, at(pk="receipt_draft"))],
    "learners:my-study": [Sample(LEARNER)],
    "learners:enrollment-detail": [Sample(LEARNER, at(pk="enrollment"))],
    "learners:evaluation": [Sample(GRADUATE, at(pk="graduate_enrollment"))],
    "learners:lessons": [Sample(LEARNER, at(pk="enrollment"))],
    "learners:lesson": [Sample(LEARNER, at(pk="enrollment", lesson="lesson"))],
    "learners:discussion": [Sample(LEARNER, at(pk="enrollment"))],
    "learners:topic": [Sample(LEARNER, at(pk="enrollment", topic="topic"))],
    "learners:cohort-discussion": [Sample(ACADEMY, at(pk="cohort"))],
    "learners:cohort-topic": [Sample(ACADEMY, at(pk="cohort", topic="topic"))],
    "learners:essay": [Sample(LEARNER, at(pk="enrollment"))],
    "learners:essay-queue": [Sample(ACADEMY)],
    "learners:essay-review": [Sample(ACADEMY, at(pk="essay"))],
    "learners:exam": [Sample(LEARNER, at(pk="enrollment"))],
    "learners:exam-attempt": [Sample(LEARNER, at(pk="enrollment", attempt="attempt"))],
    "learners:exam-result": [Sample("learner-3", at(pk="passed_enrollment", attempt="passed"))],
    "learners:cohort-exam": [Sample(ACADEMY, at(pk="cohort"))],
    "learners:cohort-progress": [Sample(ACADEMY, at(pk="cohort"))],
    "learners:cohort-evaluation": [Sample(ACADEMY, at(pk="cohort"))],
    "learners:program-evaluation": [Sample(ACADEMY, at(pk="program"))],
    "learners:simulation": [Sample(LEARNER, at(pk="simulation_enrollment"))],
    "learners:simulation-step": [Sample(LEARNER, at(pk="simulation_enrollment", number=1))],
    "learners:live": [Sample(LEARNER, at(pk="enrollment"))],
    "learners:cohort-live": [Sample(ACADEMY, at(pk="cohort"))],
    "learners:cohort-live-session": [Sample(ACADEMY, at(pk="cohort", session="live_session"))],
    "learners:transcript": [Sample(LEARNER)],
    "learners:my-data": [Sample(LEARNER)],
    "learners:person-erase": [Sample(ACADEMY, at(pk="person"))],
    "learners:hour-import": [Sample(ACADEMY)],
    "learners:off-job-add": [Sample(SCHOOL, at(pk="person"))],
    "learners:hours-dashboard": [Sample(SCHOOL), Sample(PROVINCE), Sample(ACADEMY)],
    "learners:person-hours": [Sample(SCHOOL, at(pk="person"))],
    "certificates:list": [Sample(SCHOOL), Sample(ACADEMY)],
    "certificates:detail": [Sample(ACADEMY, at(pk="certificate"))],
    "certificates:batch": [Sample(SCHOOL, at(pk="batch"))],
    "certificates:verify-form": [Sample(ANONYMOUS)],
    "certificates:verify": [Sample(ANONYMOUS, lambda w: {"token": w.certificate.token})],
    "billing:invoice-list": [Sample(ACADEMY)],
    "billing:invoice-record": [Sample(ACADEMY, at(pk="invoice"))],
    "billing:entry-add": [Sample(ACADEMY, at(pk="receipt"))],
    "billing:statement-import": [Sample(ACADEMY)],
    "billing:statement-detail": [Sample(ACADEMY, at(pk="statement"))],
    "billing:statement-lines": [Sample(ACADEMY)],
    "billing:receivables": [Sample(ACADEMY)],
}
# Pages no route names: what a visitor sees at an address that does not exist.
EXTRA = [("not-found", ANONYMOUS, "/no-such-page/", 404)]


def named_routes(resolver=None, namespace=""):
    """(name, pattern string) of every named route outside the admin and the API."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in ("admin", "api"):
                continue
            yield from named_routes(pattern, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", str(pattern.pattern)


def html_routes() -> list[str]:
    routes = [
        name
        for name, pattern in named_routes()
        if name not in NOT_PAGES and not pattern.endswith(DOWNLOAD_SUFFIXES)
    ]
    missing = sorted(set(routes) - set(PAGES))
    assert not missing, (
        f"pages without a sample: give each a Sample in PAGES (who opens it, with which "
        f"arguments from the world), or say in NOT_PAGES why it is not an HTML page: {missing}"
    )
    stale = sorted(set(PAGES) - set(routes))
    assert not stale, f"PAGES names routes that are gone or not pages: {stale}"
    return routes


def build_world() -> SimpleNamespace:
    """The demo data set, and what it lacks for some pages: an open exam paper, a certificate
    zip, a bank statement, an invoice request, a learner whose survey is due."""
    from django.core.files.base import ContentFile

    from billing.models import BankStatement
    from billing.selectors import payment_reference
    from billing.services.invoices import invoice_request
    from billing.services.statements import statement_import
    from certificates.models import BatchKind, BatchStatus, Certificate, CertificateBatch
    from courses.models import LiveSession
    from courses.services import catalog_load
    from enrollment.models import Receipt, ReceiptStatus
    from enrollment.services import provinces_load
    from learners.models import Enrollment, Essay, EssayStatus, ExamAttempt
    from learners.services.exams import exam_start
    from portal.demo import demo_load
    from portal.models import User
    from tests.billing.ledgers import line, statement_xlsx
    from tests.factories import CohortFactory, EnrollmentFactory

    provinces_load()
    catalog_load()
    demo_load()
    users = {user.username: user for user in User.objects.all()}
    enrollment = Enrollment.objects.get(learner__username=LEARNER, cohort__name="2026年第1期")
    cohort = enrollment.cohort
    passed = ExamAttempt.objects.get(enrollment__learner__username="learner-3", passed=True)
    # learner-4 also studied in last spring's cohort, which is over: her survey there is due
    spring = timezone.localdate() - timedelta(days=200)
    graduate = EnrollmentFactory(
        cohort=CohortFactory(
            program=cohort.program, name="2026年春季期", start_date=spring, end_date=spring
        ),
        learner=users[GRADUATE],
        institution=enrollment.institution,
    )
    receipt = Receipt.objects.filter(institution__name="北京示范大学").earliest("pk")
    certificate = Certificate.objects.get(enrollment__learner__username="learner-3")
    batch = CertificateBatch.objects.create(
        kind=BatchKind.ARCHIVE,
        cohort=cohort,
        institution=receipt.institution,
        requested_by=users[SCHOOL],
        status=BatchStatus.DONE,
    )
    batch.archive.save("a.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=True)
    yesterday = timezone.localdate() - timedelta(days=1)
    statement_import(
        data=statement_xlsx(
            [
                line(Decimal("500.00"), payer="北京示范大学", remark=payment_reference(receipt)),
                line(Decimal("120.00"), payer="某某单位", remark="培训费", day=yesterday),
            ]
        ),
        filename="流水.xlsx",
        by=users[ACADEMY],
    )
    return SimpleNamespace(
        users=users,
        program=cohort.program,
        cohort=cohort,
        school=receipt.institution,
        receipt=receipt,
        receipt_draft=Receipt.objects.get(status=ReceiptStatus.DRAFT),
        receipt_submitted=Receipt.objects.get(status=ReceiptStatus.SUBMITTED),
        enrollment=enrollment,
        graduate_enrollment=graduate,
        passed_enrollment=passed.enrollment,
        passed=passed,
        attempt=exam_start(enrollment=enrollment),
        lesson=cohort.program.lessons.order_by("position", "pk").first(),
        topic=cohort.topics.order_by("pk").first(),
        essay=Essay.objects.filter(status=EssayStatus.SUBMITTED).first(),
        simulation_enrollment=Enrollment.objects.exclude(cohort=cohort)
        .filter(learner__username=LEARNER)
        .get(),
        live_session=LiveSession.objects.filter(cohort=cohort).first(),
        person=enrollment.learner.learner,
        certificate=certificate,
        batch=batch,
        statement=BankStatement.objects.get(),
        invoice=invoice_request(receipt=receipt, by=users[SCHOOL]),
    )


# ---- in the page ----

# A phone's browser zooms out to fit a page wider than the screen (window.innerWidth grows): so
# widths are measured against the screen's, and what reaches past it is named.
OVERFLOW_JS = """(width) => {
  // inside a box that scrolls or clips sideways (its containing block's, for absolute content)
  const contained = el => {
    let absolute = getComputedStyle(el).position === 'absolute';
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (absolute && style.position !== 'static') absolute = false;
      if (!absolute && style.overflowX !== 'visible' && style.overflowX !== 'clip') return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map(c => '.' + c).join('');
  const beyond = new Set([...document.body.querySelectorAll('*')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !contained(el);
  }));
  const wide = [...beyond].filter(el => !beyond.has(el.parentElement)).map(el => {
    const box = el.getBoundingClientRect();
    return {element: name(el), right: Math.round(box.right), width: Math.round(box.width),
            text: (el.innerText || '').trim().slice(0, 40)};
  });
  wide.sort((a, b) => b.right - a.right);
  return {pageWidth: Math.max(document.documentElement.scrollWidth, window.innerWidth),
          wide: wide.slice(0, 6)};
}"""

AXE_JS = """async ([tags]) => {
  const landmarks = axe.getRules(['best-practice']).map(r => r.ruleId)
    .filter(id => id.startsWith('landmark') || id === 'region');
  const rules = [...new Set([...axe.getRules(tags).map(r => r.ruleId), ...landmarks])];
  const result = await axe.run(document, {runOnly: {type: 'rule', values: rules},
                                          resultTypes: ['violations']});
  return {landmarks, violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' ' + n.html.slice(0, 100)),
  }))};
}"""


class Pages:
    """One browser; one context per (person, width), signed in by session cookie."""

    def __init__(self, browser, base: str, shots: Path, world):
        self.browser, self.base, self.shots, self.world = browser, base, shots, world
        self.axe = AXE.read_text()
        self.errors: list[str] = []
        self.failures: list[str] = []
        self.count = 0
        self.seconds: dict[str, float] = defaultdict(float)  # where the time goes

    def context(self, who: str, width: int):
        from django.test import Client

        context = self.browser.new_context(locale="zh-CN", **WIDTHS[width])
        if who:
            client = Client()
            client.force_login(
                self.world.users[who], backend="django.contrib.auth.backends.ModelBackend"
            )
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base}])
        page = context.new_page()
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: pageerror {e}"))
        page.on("response", self._response)
        return context, page

    def _lap(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.seconds[name] += now - since
        return now

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.url} answered {response.status}")

    def _console(self, page, message) -> None:
        if message.text.startswith("Failed to load resource"):
            return  # named with its address by _response
        if message.type == "error" or "Content Security Policy" in message.text:
            self.errors.append(f"{page.url}: {message.type} {message.text}")

    def check(self, page, label: str, path: str, width: int, status: int = 200) -> None:
        self.count += 1
        clock = time.monotonic()
        response = page.goto(self.base + path)
        where = f"{label} {path} at {width}px"
        if response.status != status or response.url != self.base + path:
            self.failures.append(f"{where}: answered {response.status} at {response.url}")
            return
        clock = self._lap("load", clock)
        if "script-src 'self'" not in (response.headers.get("content-security-policy") or ""):
            self.failures.append(f"{where}: no Content Security Policy (axe ran without it)")
        page.screenshot(path=str(self.shots / str(width) / f"{label}.png"), full_page=True)
        clock = self._lap("screenshot", clock)
        overflow = page.evaluate(OVERFLOW_JS, width)
        if overflow["pageWidth"] > width + 1:
            wide = "".join(f"\n      {json.dumps(w, ensure_ascii=False)}" for w in overflow["wide"])
            self.failures.append(
                f"{where}: the page is {overflow['pageWidth']}px wide (it scrolls sideways); "
                f"reaching past the screen's edge:{wide}"
            )
        page.evaluate(self.axe)  # through the DevTools protocol: the page's CSP does not apply
        found = page.evaluate(AXE_JS, [AXE_TAGS])
        self._lap("axe", clock)
        assert found["landmarks"], "axe's landmark rules are gone: check AXE_JS"
        for violation in found["violations"]:
            landmark = violation["id"] in found["landmarks"]
            if landmark or violation["impact"] in FAILING_IMPACTS:
                self.failures.append(
                    f"{where}: axe {violation['id']} ({violation['impact']}): {violation['help']}"
                    + "".join(f"\n      {target}" for target in violation["targets"])
                )
        errors, self.errors = self.errors, []
        self.failures.extend(f"{where}: {error}" for error in errors)


@pytest.fixture
def pages(live_server, transactional_db, tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_INTEGRATION") == "1":
            pytest.fail("browser tests need Debian's chromium (scripts/system-packages test)")
        pytest.skip("chromium is not installed")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is in package.json)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path / "screenshots") / "pages"
    for width in WIDTHS:
        (shots / str(width)).mkdir(parents=True, exist_ok=True)
    world = build_world()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield Pages(browser, live_server.url, shots, world)
        browser.close()
    print(f"\nscreenshots: {shots}")


def test_every_html_page_has_a_sample():
    assert html_routes()


def test_every_page_fits_a_phone_and_a_desktop_and_passes_axe(pages):
    started = time.monotonic()
    routes = html_routes()
    visits: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for name in routes:
        for n, sample in enumerate(PAGES[name]):
            kwargs = sample.kwargs(pages.world) if sample.kwargs else {}
            label = name.replace(":", "-") + (f"-{sample.who or 'anonymous'}" if n else "")
            visits[sample.who].append((label, reverse(name, kwargs=kwargs), 200))
    for label, who, path, status in EXTRA:
        visits[who].append((label, path, status))

    for who, paths in visits.items():
        for width in WIDTHS:
            context, page = pages.context(who, width)
            for label, path, status in paths:
                pages.check(page, label, path, width, status)
            context.close()

    elapsed = time.monotonic() - started
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in pages.seconds.items())
    print(f"\n{pages.count} page views ({len(routes)} routes) in {elapsed:.0f} s: {spent}")
    assert not pages.failures, f"{len(pages.failures)} problems:\n" + "\n".join(pages.failures)
