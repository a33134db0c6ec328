"""Letters in the debtor's language, set in the shipped font, read back out of the PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from pipeline.letters import letter_html, letter_pdf
from tests.factories import CardAccountFactory
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def letter(language: str, reference: str = "CN0000012345", **debtor) -> dict:
    account = CardAccountFactory(
        account_reference=reference,
        card_last4="8888",
        debtor__language=language,
        **{f"debtor__{name}": value for name, value in debtor.items()},
    )
    return {
        "subject": "逾期还款提醒",
        "body": "您的信用卡已逾期 请尽快还款",
        "debtor": account.debtor,
        "account": account,
        "address": "北京市朝阳区建国路88号",
        "date": dt.date(2026, 12, 5),
    }


def test_a_chinese_debtors_letter_is_in_chinese_with_their_name_and_address():
    fields = letter("zh", full_name="张喆")

    text = pdf_text(letter_pdf(**fields))

    assert "2026年12月5日" in text
    assert "张喆" in text
    assert "北京市朝阳区建国路88号" in text
    assert "您的信用卡已逾期请尽快还款" in text
    assert "账户编号：CN0000012345·卡号尾号8888" in text  # noqa: RUF001
    assert "Account reference" not in text


def test_the_letter_follows_the_debtor_not_the_person_sending_it():
    fields = letter("en", full_name="Li Wei")

    with translation.override("zh-hans"):
        text = pdf_text(letter_pdf(**fields))
        html = letter_html(**fields)

    assert "5Dec2026" in text
    assert "Accountreference:CN0000012345·cardending8888" in text
    assert "Account reference: CN0000012345 · card ending 8888" in html
    assert "账户编号" not in html


def test_the_letters_html_copy_is_in_the_debtors_language():
    html = letter_html(**letter("zh"))

    assert "2026年12月5日" in html
    assert "账户编号：CN0000012345 · 卡号尾号 8888" in html  # noqa: RUF001


def test_a_latin_letter_is_set_in_helvetica_and_a_chinese_one_embeds_the_font():
    latin = {"subject": "Reminder", "body": "Please pay", "address": "1 Main Street, Boston"}
    english = letter_pdf(**dict(letter("en", full_name="Li Wei"), **latin))
    chinese = letter_pdf(**letter("zh", reference="CN0000067890", full_name="张喆"))

    assert b"/BaseFont /Helvetica" in english
    assert b"FontFile" not in english  # nothing embedded: a few kB, rendered in milliseconds
    assert b"FontFile" in chinese
    assert "Reminder" in pdf_text(english)


def test_setting_a_chinese_letter_writes_nothing_to_the_workers_log(caplog):
    caplog.set_level("INFO")

    letter_pdf(**letter("zh", full_name="张喆"))

    assert not [record for record in caplog.records if record.name.startswith("fontTools")]
