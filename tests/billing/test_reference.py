"""The payment reference code: one per receipt, found again in whatever a bank makes of a remark."""

import pytest

from billing.selectors import payment_reference, receipt_pk_from_reference, reference_for_pk


class _Receipt:
    def __init__(self, pk):
        self.pk = pk


def test_code_is_prefix_padded_pk_and_check_digit():
    code = payment_reference(_Receipt(42))
    assert code.startswith("JX000042")
    assert len(code) == 9
    assert receipt_pk_from_reference(code) == 42


@pytest.mark.parametrize("pk", [1, 9, 42, 999_999, 1_000_000, 123_456_789, 2**63 - 1])
def test_round_trip(pk):
    assert receipt_pk_from_reference(reference_for_pk(pk)) == pk


@pytest.mark.parametrize("pk", [0, -1, 2**63])
def test_no_code_for_impossible_pk(pk):
    with pytest.raises(ValueError, match="not a receipt pk"):
        reference_for_pk(pk)


def test_found_anywhere_in_a_remark():
    code = reference_for_pk(421)
    assert receipt_pk_from_reference(f"北京测试大学培训费{code}") == 421
    assert receipt_pk_from_reference(f"培训费 {code} 5000元") == 421
    assert receipt_pk_from_reference(f"{code}，汇款") == 421


def test_tolerates_spaces_hyphens_lower_case_and_full_width():
    code = reference_for_pk(421)  # JX0004216 or so
    digits = code[2:]
    assert receipt_pk_from_reference(code.lower()) == 421
    assert receipt_pk_from_reference(f"jx {digits[:3]} {digits[3:6]} {digits[6:]}") == 421
    assert receipt_pk_from_reference(f"JX-{digits[:3]}-{digits[3:]}") == 421
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)  # ＪＸ０００…
    assert receipt_pk_from_reference(f"培训费\u3000{full_width}") == 421


def test_digits_after_a_space_are_not_part_of_the_code():
    code = reference_for_pk(421)
    assert receipt_pk_from_reference(f"{code} 196000") == 421
    assert receipt_pk_from_reference(f"{code} 1") == 421


def test_wrong_check_digit_is_refused():
    code = reference_for_pk(421)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert receipt_pk_from_reference(wrong) is None


@pytest.mark.parametrize("pk", [421, 123_456, 7_654_321])
def test_every_single_digit_typo_is_refused(pk):
    code = reference_for_pk(pk)
    for place in range(2, len(code)):
        for digit in "0123456789":
            if digit != code[place]:
                typo = code[:place] + digit + code[place + 1 :]
                assert receipt_pk_from_reference(typo) in (None,), typo


def test_swapped_neighbours_are_refused():
    code = reference_for_pk(123_456)
    for place in range(2, len(code) - 1):
        if code[place] != code[place + 1]:
            swapped = code[:place] + code[place + 1] + code[place] + code[place + 2 :]
            assert receipt_pk_from_reference(swapped) is None, swapped


@pytest.mark.parametrize(
    "remark",
    ["", "培训费", "JX", "JX123", "JX00042", "JX 12 34", "XJ0000421", "0000421", None],
)
def test_nothing_found(remark):
    assert receipt_pk_from_reference(remark) is None


def test_a_later_valid_code_is_found_after_an_invalid_one():
    good = reference_for_pk(77)
    assert receipt_pk_from_reference(f"JX0000000 {good}") == 77


def test_one_spelling_per_pk():
    # Extra leading zeros would give a second code for the same receipt: not accepted.
    code = reference_for_pk(1_234_567)
    assert receipt_pk_from_reference("JX0" + code[2:]) is None
