"""Resident ID numbers (居民身份证号): normalise, validate (GB 11643), mask, encrypt and hash.

A number is stored encrypted (AES-256-GCM; keys from PERSONAL_DATA_KEYS, the first encrypts and
every one decrypts, so keys can be rotated; each token names its key) beside a keyed hash (HMAC-SHA256 with PERSONAL_DATA_HASH_KEY) that finds the
same person again and detects duplicates without decrypting. Only the masked form is ever shown.
"""

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
# Provincial-level prefixes in use (GB/T 2260), plus 71 Taiwan, 81 Hong Kong, 82 Macao and 83 (the
# residence permits of their residents). Any other prefix is accepted when the checksum holds, but
# flagged for review.
KNOWN_AREA_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


class IdNumberError:
    """Why a number is refused; the values are the user-facing Chinese messages."""

    EMPTY = "不能为空"
    NUMERIC_CELL = (
        "该列被 Excel 当作数字保存，末几位已丢失；请将「身份证号」列设置为文本格式后重新填写"
    )
    FORMAT = "应为 18 位，前 17 位为数字，最后一位为数字或 X"
    BIRTH_DATE = "出生日期无效"
    CHECKSUM = "校验位错误"


def normalise_id_number(raw: str) -> str:
    """Full-width digits and letters become ASCII, spaces go, a lowercase x becomes X."""
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(r"\s+", "", text).upper()


def check_digit(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number_problem(number: str) -> str | None:
    """None when ``number`` (already normalised) is a valid 18-digit resident ID, else why not."""
    if not number:
        return IdNumberError.EMPTY
    if not ID_PATTERN.match(number):
        return IdNumberError.FORMAT
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= _days_in(year, month)):
        return IdNumberError.BIRTH_DATE
    if check_digit(number[:17]) != number[17]:
        return IdNumberError.CHECKSUM
    return None


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28
    return 30 if month in (4, 6, 9, 11) else 31


def area_is_known(number: str) -> bool:
    return number[:2] in KNOWN_AREA_PREFIXES


def mask_id_number(number: str) -> str:
    """110105********1234: the area code and the last four, never the birth date."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


NONCE_BYTES = 12


@cache
def _ciphers(keys: tuple[str, ...]) -> tuple[tuple[str, AESGCM], dict[str, AESGCM]]:
    """(the encrypting key's id and cipher, every cipher by key id); keys are 32 bytes, base64url."""
    ciphers = {}
    for key in keys:
        raw = base64.urlsafe_b64decode(key)
        if len(raw) != 32:
            raise ValueError("PERSONAL_DATA_KEYS must be 32-byte keys, base64url-encoded.")
        ciphers[hashlib.sha256(raw).hexdigest()[:8]] = AESGCM(raw)
    first = next(iter(ciphers.items()))
    return first, ciphers


def encrypt(value: str) -> str:
    (key_id, cipher), _ = _ciphers(tuple(settings.PERSONAL_DATA_KEYS))
    nonce = os.urandom(NONCE_BYTES)
    sealed = cipher.encrypt(nonce, value.encode(), None)
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    _, ciphers = _ciphers(tuple(settings.PERSONAL_DATA_KEYS))
    key_id, _, body = token.partition(":")
    raw = base64.urlsafe_b64decode(body)
    return ciphers[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()


def keyed_hash(value: str) -> str:
    key = settings.PERSONAL_DATA_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) == 11 else mobile
