"""The certificate pages: the learner downloads hers from "My study"; the academy lists, revokes,
reinstates, exports and issues a cohort in one batch; a school downloads its people's certificates
as one zip; anyone verifies a certificate by its QR link, its serial or the PDF itself, seeing no
personal data, and an unknown token or serial gets the same page shape."""

import io
import zipfile

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.models import Certificate, CertificateBatch, CertificateStatus
from certificates.services import certificate_issue, certificate_render, certificate_revoke
from tests.certificates.places import ID_NUMBER

REASON = "学员所在单位来函：学习记录由他人代学。"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the verification page's per-address counters
    yield
    cache.clear()


@pytest.fixture
def certificate(completed):
    return certificate_render(certificate=certificate_issue(enrollment_id=completed.pk))


def pdf_of(response) -> bytes:
    return b"".join(response.streaming_content)


# ---- the learner ----


def test_the_learner_downloads_her_certificate_from_my_study(world, certificate, client_for):
    client = client_for(world.users["learner_a"])

    study = client.get(reverse("learners:my-study")).content.decode()
    url = reverse("certificates:pdf", args=[certificate.pk])
    assert url in study
    assert certificate.serial in study

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{certificate.serial}.pdf" in response["Content-Disposition"]
    assert pdf_of(response).startswith(b"%PDF")


def test_a_completed_place_without_its_pdf_says_it_is_being_prepared(world, completed, client_for):
    certificate_issue(enrollment_id=completed.pk)  # issued, not yet rendered

    study = client_for(world.users["learner_a"]).get(reverse("learners:my-study"))

    assert "学时证明生成中" in study.content.decode()


def test_a_revoked_certificate_is_not_handed_out_again(world, certificate, client_for):
    certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason=REASON)
    client = client_for(world.users["learner_a"])

    response = client.get(reverse("certificates:pdf", args=[certificate.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("learners:my-study")
    page = response.content.decode()
    assert "该学时证明已撤销，不能下载。" in page
    assert "学时证明已撤销" in page


def test_another_school_finds_no_certificate(world, certificate, client_for):
    client = client_for(world.users["staff_b"])
    assert client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificates:detail", args=[certificate.pk])).status_code == 404
    assert certificate.serial not in client.get(reverse("certificates:list")).content.decode()


@pytest.mark.parametrize("pk", [0, 2**63, 10**30])
def test_an_impossible_id_is_not_found(world, client_for, pk):
    client = client_for(world.users["coord_ug"])
    assert client.get(f"/certificates/{pk}/").status_code == 404
    assert client.get(f"/certificates/{pk}/certificate.pdf").status_code == 404
    assert client.get(f"/certificates/batches/{pk}/status.json").status_code == 404


# ---- the academy ----


def test_the_academy_revokes_with_a_reason_and_reinstates(world, certificate, client_for):
    client = client_for(world.users["coord_ug"])
    detail = reverse("certificates:detail", args=[certificate.pk])

    refused = client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": ""})
    assert refused.status_code == 302
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID

    client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": REASON})
    page = client.get(detail).content.decode()
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.REVOKED
    assert REASON in page

    again = client.post(
        reverse("certificates:revoke", args=[certificate.pk]), {"reason": REASON}, follow=True
    )
    assert "已撤销" in again.content.decode()  # the state's sentence, not a 500

    client.post(reverse("certificates:reinstate", args=[certificate.pk]))
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID


@pytest.mark.parametrize("role", ["staff_a", "prov_bj", "learner_a"])
def test_only_the_academy_revokes(world, certificate, client_for, role):
    response = client_for(world.users[role]).post(
        reverse("certificates:revoke", args=[certificate.pk]), {"reason": REASON}
    )
    assert response.status_code in (403, 404)
    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID


def test_the_list_filters_and_the_export_holds_the_same_rows(world, certificate, client_for):
    client = client_for(world.users["coord_ug"])

    listed = client.get(reverse("certificates:list"), {"q": certificate.serial[:7]})
    assert certificate.serial in listed.content.decode()
    revoked_only = client.get(reverse("certificates:list"), {"status": "revoked"})
    assert certificate.serial not in revoked_only.content.decode()

    export = client.get(reverse("certificates:export"), {"status": "valid"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    rows = list(workbook.worksheets[0].values)
    assert rows[1][0] == certificate.serial
    assert rows[1][1] == "张晓明"
    assert ID_NUMBER not in str(rows)


def test_the_academy_issues_a_cohort_in_one_batch_and_follows_it(
    world, completed, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users["coord_ug"])

    with django_capture_on_commit_callbacks(execute=True):  # the task, sent after commit
        response = client.post(
            reverse("certificates:batch-start"),
            {"cohort": world.study_cohort.pk, "kind": "issue"},
        )

    batch = CertificateBatch.objects.get()
    assert response.headers["Location"] == reverse("certificates:batch", args=[batch.pk])
    status = client.get(reverse("certificates:batch-status", args=[batch.pk])).json()
    assert status["finished"]  # tasks run in-process here
    assert (status["done"], status["total"]) == (1, 1)
    assert Certificate.objects.filter(enrollment=completed).count() == 1


def test_a_school_may_not_issue_and_an_unknown_cohort_is_a_sentence(world, completed, client_for):
    school = client_for(world.users["staff_a"])
    response = school.post(
        reverse("certificates:batch-start"), {"cohort": "99999999999999999999", "kind": "issue"}
    )
    assert response.status_code == 302
    assert not CertificateBatch.objects.exists()


def test_a_school_downloads_its_peoples_certificates_as_one_zip(
    world, certificate, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.users["staff_a"])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:batch-start"), {"cohort": world.study_cohort.pk})

    batch = CertificateBatch.objects.get()
    page = client.get(reverse("certificates:batch", args=[batch.pk])).content.decode()
    assert "js/certificate_batch.js" in page
    status = client.get(reverse("certificates:batch-status", args=[batch.pk])).json()
    assert status["download"] == reverse("certificates:batch-download", args=[batch.pk])
    download = client.get(status["download"])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(archive.namelist()) == 1
    assert archive.read(archive.namelist()[0]).startswith(b"%PDF")
    other = client_for(world.users["staff_b"])
    assert other.get(status["download"]).status_code == 404


# ---- anyone: verification ----


def test_the_qr_link_says_valid_and_then_revoked_without_personal_data(
    world, certificate, client, django_assert_max_num_queries
):
    url = reverse("certificates:verify", args=[certificate.token])

    with django_assert_max_num_queries(3):
        page = client.get(url).content.decode()

    assert "该学时证明真实有效。" in page
    assert certificate.serial in page
    assert "张*明" in page
    assert "张晓明" not in page
    assert ID_NUMBER not in page
    assert ID_NUMBER[-4:] not in page
    certificate_revoke(certificate=certificate, by=world.users["coord_ug"], reason=REASON)
    page = client.get(url).content.decode()
    assert "该学时证明已被撤销。" in page
    assert REASON in page


@pytest.mark.parametrize("token", ["x" * 32, "nonsense", "a" * 64, "<script>", "..%2f..%2fetc"])
def test_an_unknown_token_gets_the_same_page_shape(world, certificate, client, token):
    known = client.get(reverse("certificates:verify", args=[certificate.token]))
    unknown = client.get(f"/verify/{token}")

    assert unknown.status_code == known.status_code == 200
    assert "未查到该学时证明。" in unknown.content.decode()
    assert "data-verify-result" in unknown.content.decode()
    assert certificate.serial not in unknown.content.decode().replace("2026-000123", "")


def test_a_serial_typed_with_full_width_digits_is_found(world, certificate, client):
    typed = certificate.serial.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))

    page = client.get(reverse("certificates:verify-form"), {"serial": f" {typed} "})

    assert "该学时证明真实有效。" in page.content.decode()
    unknown = client.get(reverse("certificates:verify-form"), {"serial": "2099-999999"})
    assert "未查到该学时证明。" in unknown.content.decode()


def test_the_genuine_pdf_is_recognised_and_an_altered_one_is_not(world, certificate, client):
    genuine = certificate.pdf.open("rb").read()
    url = reverse("certificates:verify-form")

    def upload(data: bytes, name="certificate.pdf"):
        file = io.BytesIO(data)
        file.name = name
        return client.post(url, {"pdf": file}).content.decode()

    assert "签名有效，内容未被改动" in upload(genuine)
    altered = genuine.replace(b"/Hours (", b"/Hours (1", 1)
    if altered == genuine:  # the facts are in the signed Info dictionary, somewhere
        index = len(genuine) // 2
        altered = genuine[:index] + bytes([genuine[index] ^ 0xFF]) + genuine[index + 1 :]
    assert "不能证明是本平台出具的真实学时证明" in upload(altered)
    appended = genuine + b"\n% an incremental update\n"
    assert "不能证明" in upload(appended) or "签名有效" in upload(appended)
    assert "这不是 PDF 文件。" in upload(b"GIF89a not a pdf")
    assert "不能证明" in upload(b"%PDF-1.7\n garbage \x00\xff")


def test_verification_is_rate_limited_per_address(world, certificate, client):
    url = reverse("certificates:verify", args=[certificate.token])
    answers = [client.get(url).status_code for _ in range(31)]

    assert answers[:30] == [200] * 30
    assert answers[30] == 429
    assert "查询过于频繁" in client.get(url).content.decode()


def test_behind_our_proxy_verification_is_limited_per_visitor_not_per_proxy(
    world, certificate, client, settings
):
    settings.TRUSTED_PROXY_COUNT = 1  # the proxy appends the visitor's address
    url = reverse("certificates:verify", args=[certificate.token])

    def lookup(visitor: str, claimed: str = "") -> int:
        forwarded = f"{claimed}, {visitor}" if claimed else visitor
        return client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [lookup("203.0.113.7") for _ in range(30)] == [200] * 30
    assert lookup("203.0.113.7") == 429
    # what the visitor writes herself, left of the proxy's entry, does not reset her limit
    assert lookup("203.0.113.7", claimed="198.51.100.1") == 429
    # another visitor behind the same proxy is not refused for the first one's lookups
    assert lookup("203.0.113.8") == 200
    # an entry that is no address (a proxy count set too high) counts as the proxy's own address
    assert lookup("not-an-address") == 200
