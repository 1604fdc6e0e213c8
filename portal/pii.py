"""Resident ID numbers (居民身份证号): normalise, validate (GB 11643), mask, encrypt and hash.

The checksum and the birth date are checked by python-stdnum (``stdnum.cn.ric``); this module adds
the portal's normalisation (full-width digits, spaces, a lowercase x) and its own rule for the area
code: an unknown one is accepted when the checksum holds, but flagged for review.

A number is stored encrypted (AES-256-GCM; keys from PERSONAL_DATA_KEYS, the first encrypts and
every one decrypts, so keys can be rotated; each token names its key) beside a keyed hash
(HMAC-SHA256 with PERSONAL_DATA_HASH_KEY) that finds the same person again and detects duplicates
without decrypting. Only the masked form is ever shown.
"""

import base64
import datetime
import hashlib
import hmac
import os
import re
import unicodedata
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

# ASCII digits only: \d would also take other scripts' digits, which int() reads as numbers.
ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]\Z")
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
    """The check character that completes the first 17 characters of a resident ID number."""
    return ric.calc_check_digit(first17 + "0")


EARLIEST_BIRTH_YEAR = 1900


def id_number_problem(number: str, *, today: datetime.date | None = None) -> str | None:
    """None when ``number`` (already normalised) is a valid 18-digit resident ID, else why not.

    A caller checking many numbers passes ``today`` (``timezone.localdate()``, read once): reading
    the current time zone and clock costs more than the rest of the checks together.
    """
    if not number:
        return IdNumberError.EMPTY
    if not ID_PATTERN.match(number):
        return IdNumberError.FORMAT
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return IdNumberError.BIRTH_DATE
    if born.year < EARLIEST_BIRTH_YEAR or born > (timezone.localdate() if today is None else today):
        return IdNumberError.BIRTH_DATE
    if ric.calc_check_digit(number) != number[17]:
        return IdNumberError.CHECKSUM
    return None


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
    hashed = _keyed_hmac(settings.PERSONAL_DATA_HASH_KEY).copy()
    hashed.update(value.encode())
    return hashed.hexdigest()


@cache
def _keyed_hmac(key: str) -> hmac.HMAC:
    """An HMAC-SHA256 with the key already absorbed, to copy for each value: setting up the key
    costs more than hashing an ID number. Cached by the key itself, so a changed key is used.
    """
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) == 11 else mobile


def mask_name(name: str) -> str:
    """张*三 for a public page: the first and last characters of a name, the rest starred; a
    two-character name keeps its first (张*), one character is starred. Characters, not code
    units: a rare character (𠮷) is one."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
