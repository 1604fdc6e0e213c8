"""The load benchmark's users (run by ``benchmarks/bench_load.py``; not on its own).

BENCH_LOAD_CONFIG names the world's JSON (``world.py prepare``): each simulated user takes one
signed-in session of it. What the portal answered as written is kept and saved, with the timings,
to BENCH_LOAD_OUT when locust quits, so the database can be checked against it afterwards.

- SchoolStaff (a school's contact, 30): keeps a draft receipt of 20 people and uploads its
  roster again and again (a fresh spreadsheet each time); now and then files a new receipt of 3
  people through the same pages as the UI: the form, the roster upload, the submission.
- WatchingLearner (100): has a lesson open; the player beats every ~10 s (lesson.js) with the
  position advanced by no more than the time that passed, so every beat is credited.
- CertificateLearner (20): downloads her certificate PDF.
- Verifier (40): anonymous; looks certificates up by the QR code's link and by serial. Each comes
  from an address of her own (X-Forwarded-For, written by "our proxy": the settings trust one).
- Baseline (10): /healthz/, the minimal Django view, timed under the same load.
"""

import datetime
import io
import itertools
import json
import os
import re
import time
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task
from openpyxl import Workbook
from stdnum.cn import ric

CONFIG = json.load(open(os.environ["BENCH_LOAD_CONFIG"]))  # noqa: SIM115 - read once at import
SUBMITTED_PEOPLE, UPLOAD_PEOPLE = 3, 20
RESULTS: dict = {
    "created": [],
    "submitted": [],
    "uploads": {},
    "uploads_sent": {},
    "upload_counts": {},
    "beats": {},
    "submitted_people": SUBMITTED_PEOPLE,
    "upload_people": UPLOAD_PEOPLE,
}
BASELINE = "baseline: /healthz/"
CHINA = ZoneInfo("Asia/Shanghai")  # the portal's TIME_ZONE
RECEIPT_URL = re.compile(r"/receipts/(\d+)/$")
HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "手机号码",
    "所在部门",
    "岗位/人员类别",
    "政治面貌",
    "培训班次",
]
NAMES = ["张明", "李华", "王芳", "赵磊", "陈静", "刘洋", "杨帆", "黄丽", "欧阳建国", "吉𠮷"]
rosters = itertools.count(1)
RUN = int(os.environ.get("BENCH_LOAD_RUN", "0"))


def check_digit(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")  # as portal.pii does


def roster(count: int) -> tuple[bytes, str]:
    """A roster spreadsheet of ``count`` people never filed before, and its tag.

    A person is never filed twice by a school for a program (the roster would be refused), so each
    run (RUN, counted by bench_load.py) and each roster of it has its own birth dates and numbers:
    2,000 rosters a run, 10 runs per 20,000 days from 1950, 50 blocks of 20 sequence numbers."""
    number = next(rosters)
    tag = f"组织部{RUN}-{number}"
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(RUN * 2000 + number) % 20000)
    block = (RUN // 10) % 50 * 20
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for n in range(count):
        first17 = f"110109{birth:%Y%m%d}{block + n:03d}"  # not the learners' area
        sheet.append(
            [
                NAMES[n % len(NAMES)],
                "男" if n % 2 else "女",
                first17 + check_digit(first17),
                f"138{number % 10**4:04d}{n:04d}",
                tag,
                "党务工作者",
                "正式党员",
                CONFIG["program_name"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), tag


class PortalUser(HttpUser):
    abstract = True
    people: list = []
    taken = itertools.count()
    signed_in = True

    def on_start(self):
        cls = type(self)
        self.me = cls.people[next(cls.taken) % len(cls.people)] if cls.people else None
        if self.me and cls.signed_in:
            self.client.cookies.set("sessionid", self.me["session"])

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post(self, url, *, name, **kwargs):
        return self.client.post(
            url,
            name=name,
            allow_redirects=False,
            catch_response=True,
            headers={"X-CSRFToken": self.csrf(), "Referer": self.host + url},
            **kwargs,
        )


class SchoolStaff(PortalUser):
    fixed_count = len(CONFIG["staff"])
    wait_time = between(3, 8)
    people = CONFIG["staff"]
    taken = itertools.count()

    def on_start(self):
        super().on_start()
        self.draft = self.create_receipt(UPLOAD_PEOPLE)

    def create_receipt(self, participants: int) -> int | None:
        with self.client.get("/receipts/new/", name="receipt: new form", catch_response=True) as r:
            if r.status_code != 200 or not self.csrf():
                r.failure(f"form page {r.status_code}")
                return None
        today = datetime.datetime.now(CHINA).date().isoformat()  # the school's calendar day
        data = {
            "department": "党委组织部",
            "trainee_categories": "党务工作者",
            "leader_name": "周建国",
            "leader_title": "组织部部长",
            "leader_mobile": "13800138000",
            "liaison_name": "吴敏",
            "liaison_phone": "010-62750000",
            "liaison_mobile": "13900139000",
            "liaison_email": "liaison@example.edu.cn",
            "liaison_fax": "",
            "postal_address": "北京市海淀区示范路 1 号",
            "postcode": "100871",
            "preferred_start_date": today,
            "study_length_days": "45",
            "invoice_title": "负载测试大学",
            "taxpayer_id": "12100000400000624D",
            "suggestions": "",
            "filled_on": today,
            f"program_{CONFIG['program']}": str(participants),
            "csrfmiddlewaretoken": self.csrf(),
        }
        with self.post("/receipts/new/", name="receipt: create", data=data) as r:
            found = RECEIPT_URL.search(r.headers.get("Location", ""))
            if r.status_code != 302 or not found:
                r.failure(f"receipt not saved: {r.status_code} {r.text[:300]!r}")
                return None
            pk = int(found.group(1))
            RESULTS["created"].append(pk)
            return pk

    def upload(self, pk: int, count: int, name: str) -> bool:
        content, tag = roster(count)
        RESULTS["uploads_sent"][str(pk)] = tag  # stored, if the run stops before the answer
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        with self.post(
            f"/receipts/{pk}/roster/upload/",
            name=name,
            data={"consent": "on", "csrfmiddlewaretoken": self.csrf()},
            files={"file": ("名单.xlsx", content, xlsx)},
        ) as r:
            if r.status_code != 302:
                errors = re.findall(r"第\d+行[^<]{0,80}", r.text)[:3]
                r.failure(f"roster refused: {r.status_code} {errors or r.text[:200]!r}")
                return False
        RESULTS["uploads"][str(pk)] = tag
        RESULTS["upload_counts"][str(pk)] = RESULTS["upload_counts"].get(str(pk), 0) + 1
        return True

    @task(2)
    def upload_roster(self):
        if self.draft is None:
            self.draft = self.create_receipt(UPLOAD_PEOPLE)
            return
        self.upload(self.draft, UPLOAD_PEOPLE, "roster: upload (20 people)")

    @task(1)
    def submit_receipt(self):
        pk = self.create_receipt(SUBMITTED_PEOPLE)
        if pk is None or not self.upload(pk, SUBMITTED_PEOPLE, "roster: upload (3 people)"):
            return
        RESULTS["uploads"].pop(str(pk))  # its roster is checked with the submission
        RESULTS["uploads_sent"].pop(str(pk))
        RESULTS["upload_counts"].pop(str(pk))
        url = f"/receipts/{pk}/transition/submit/"
        data = {"comment": "", "csrfmiddlewaretoken": self.csrf()}
        with self.post(url, name="receipt: submit", data=data) as r:
            if r.status_code != 302:
                r.failure(f"submission refused: {r.status_code}")
                return
        RESULTS["submitted"].append(pk)


class WatchingLearner(PortalUser):
    fixed_count = len(CONFIG["heartbeat"])
    wait_time = between(9, 11)  # lesson.js beats every 10 s while the video plays
    people = CONFIG["heartbeat"]
    taken = itertools.count()

    def on_start(self):
        super().on_start()
        me = self.me
        self.url = f"/study/{me['enrollment']}/lessons/{me['lesson']}/"
        self.tab = f"load{os.getpid()}x{me['enrollment']}"[:32]
        self.position = float(me["watched"])
        self.beat_answered = None
        with self.client.get(self.url, name="lesson: page", catch_response=True) as r:
            if r.status_code != 200 or not self.csrf():
                r.failure(f"lesson page {r.status_code}")

    @task
    def beat(self):
        if self.beat_answered is not None:
            # No more than the time since the last beat was answered: always within the rules.
            self.position += max(0.0, time.monotonic() - self.beat_answered - 0.2)
        body = {"tab": self.tab, "position": round(self.position, 3)}
        with self.post(self.url + "heartbeat/", name="lesson: heartbeat", json=body) as r:
            self.beat_answered = time.monotonic()
            if r.status_code != 200:
                r.failure(f"heartbeat {r.status_code} {r.text[:200]!r}")
                return
            answer = r.json()
            if not answer.get("counting"):
                r.failure(f"beat not credited: {answer.get('message')}")
            acked = RESULTS["beats"].setdefault(str(self.me["enrollment"]), {"count": 0})
            acked["count"] += 1
            acked["watched"] = answer["watched_seconds"]


class CertificateLearner(PortalUser):
    fixed_count = len(CONFIG["certificates"])
    wait_time = between(3, 8)
    people = CONFIG["certificates"]
    taken = itertools.count()

    @task
    def download(self):
        url = f"/certificates/{self.me['pk']}/certificate.pdf"
        with self.client.get(url, name="certificate: PDF", catch_response=True) as r:
            if r.status_code != 200 or not r.content.startswith(b"%PDF"):
                r.failure(f"certificate {r.status_code} {r.headers.get('Content-Type')}")


class Verifier(PortalUser):
    fixed_count = int(os.environ.get("BENCH_LOAD_VERIFIERS", "40"))
    wait_time = between(2, 6)  # 10 to 30 lookups a minute: a busy personnel office's pace
    people = CONFIG["certificates"]
    taken = itertools.count()
    signed_in = False
    addresses = itertools.count(1)

    def on_start(self):
        super().on_start()  # anonymous: a certificate to look up, no session
        n = next(Verifier.addresses)
        self.client.headers["X-Forwarded-For"] = f"198.51.{n // 250}.{n % 250 + 1}"

    def check(self, r):
        if r.status_code != 200 or self.me["serial"] not in r.text:
            r.failure(f"verification {r.status_code} {r.error or ''}, serial not shown")

    @task(2)
    def by_token(self):
        url = f"/verify/{self.me['token']}"
        with self.client.get(url, name="verify: QR link", catch_response=True) as r:
            self.check(r)

    @task(1)
    def by_serial(self):
        url = f"/verify/?serial={self.me['serial']}"
        with self.client.get(url, name="verify: by serial", catch_response=True) as r:
            self.check(r)


class Baseline(PortalUser):
    fixed_count = int(os.environ.get("BENCH_LOAD_BASELINE_USERS", "10"))
    wait_time = between(1, 3)

    @task
    def ping(self):
        self.client.get("/healthz/", name=BASELINE)


# Every request, timed: the targets are taken over the steady state, from WARMUP seconds after the
# start (all users arrived and started) to the end; locust's own statistics cover the whole run.
WARMUP = float(os.environ.get("BENCH_LOAD_WARMUP", "0"))
started: list[float] = []
timings: list[tuple[float, str, float, bool]] = []


@events.test_start.add_listener
def on_start(**_kwargs):
    started.append(time.monotonic())


@events.request.add_listener
def on_request(name, response_time, exception, **_kwargs):
    at = time.monotonic() - (started[0] if started else time.monotonic())
    timings.append((at, name, response_time, exception is not None))


def window(names=None, exclude=None) -> dict:
    times = sorted(
        ms
        for at, name, ms, _failed in timings
        if at >= WARMUP and (names is None or name in names) and name != exclude
    )

    def percentile(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))] if times else 0.0

    return {"count": len(times), "p50": percentile(0.5), "p95": percentile(0.95)}


def summary(entries) -> dict:
    times: dict[int, int] = {}
    count = failures = 0
    for entry in entries:
        for ms, n in entry.response_times.items():
            times[ms] = times.get(ms, 0) + n
        count += entry.num_requests
        failures += entry.num_failures

    def percentile(p: float) -> float:
        wanted, seen = p * sum(times.values()), 0
        for ms in sorted(times):
            seen += times[ms]
            if seen >= wanted:
                return float(ms)
        return 0.0

    return {"count": count, "failures": failures, "p50": percentile(0.5), "p95": percentile(0.95)}


@events.quitting.add_listener
def save(environment, **_kwargs):
    stats = environment.stats
    entries = list(stats.entries.values())
    RESULTS["stats"] = {entry.name: summary([entry]) for entry in entries}
    RESULTS["app"] = summary([e for e in entries if e.name != BASELINE])
    RESULTS["baseline"] = summary([e for e in entries if e.name == BASELINE])
    RESULTS["errors"] = [
        {"name": e.name, "error": str(e.error)[:300], "occurrences": e.occurrences}
        for e in stats.errors.values()
    ]
    RESULTS["failures"] = stats.total.num_failures
    RESULTS["steady"] = {
        "seconds": (time.monotonic() - started[0] - WARMUP) if started else 0,
        "stats": {entry.name: window(names={entry.name}) for entry in entries},
        "app": window(exclude=BASELINE),
        "baseline": window(names={BASELINE}),
    }
    with open(os.environ["BENCH_LOAD_OUT"], "w") as out:
        json.dump(RESULTS, out, ensure_ascii=False)
