"""The commission statement's PDF in the reader's language, read back out of the file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from agencies.documents import statement_pdf
from agencies.models import CommissionStatementLine
from tests.factories import CommissionStatementFactory, PlacementFactory
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement():
    statement = CommissionStatementFactory(
        agency__name="华信催收服务有限公司",
        generated_at=dt.datetime(2026, 11, 1, 2, 30, tzinfo=dt.UTC),
    )
    placement = PlacementFactory(agency=statement.agency, placed_on=dt.date(2026, 10, 3))
    CommissionStatementLine.objects.create(
        statement=statement,
        placement=placement,
        account_reference="CN0000012345",
        currency="CNY",
        placed_on=placement.placed_on,
        payments=1234,
        collected=Decimal("1375166.85"),
        commission_rate=Decimal("0.2158"),
        commission=Decimal("296761.01"),
    )
    return statement


def test_a_statement_read_in_chinese_is_in_chinese(statement):
    with translation.override("zh-hans"):
        text = pdf_text(statement_pdf(statement))
        title = gettext("Commission statement: %(agency)s") % {"agency": statement.agency.name}

    assert "".join(title.split()) in text
    assert "华信催收服务有限公司" in text
    assert "2026年10月1日" in text and "2026年10月3日" in text
    assert "¥1,375,166.85" in text
    assert "21.58%" in text
    assert "1,234" in text


def test_a_statement_read_in_english_is_in_english(statement):
    text = pdf_text(statement_pdf(statement))

    assert "Commissionstatement:华信催收服务有限公司" in text
    assert "1Oct2026" in text
    assert "CN¥1,375,166.85" in text
    assert "Generated1Nov2026,02:30UTC" in text
