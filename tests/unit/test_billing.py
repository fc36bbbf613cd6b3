"""Money parsing and totals in integer minor units."""

from decimal import Decimal

import pytest

from portal.models import Invoice, InvoiceLine
from portal.services.billing import (
    LineError,
    LineInput,
    apply_lines,
    line_amounts,
    parse_money,
    parse_quantity,
    parse_tax_rate,
)
from portal.services.errors import ServiceError


@pytest.mark.parametrize(
    "raw,currency,minor",
    [
        ("1250", "EUR", 125000),
        ("1,234.50", "EUR", 123450),
        ("0.05", "EUR", 5),
        ("1234.5", "EUR", 123450),
        ("1500", "JPY", 1500),
    ],
)
def test_parse_money(raw, currency, minor):
    assert parse_money(raw, currency) == minor


@pytest.mark.parametrize(
    "raw,currency,message",
    [
        ("-5", "EUR", "negative"),
        ("1.234", "EUR", "at most 2 decimals"),
        ("abc", "EUR", "number"),
        ("", "EUR", "Enter"),
        ("12.5", "JPY", "no decimals"),
        ("1e9", "EUR", "number"),
        ("99999999999", "EUR", "too large"),
    ],
)
def test_parse_money_rejects(raw, currency, message):
    with pytest.raises(LineError, match=message):
        parse_money(raw, currency)


def test_parse_quantity_and_tax():
    assert parse_quantity("2.5") == Decimal("2.5")
    assert parse_tax_rate("20") == 2000 and parse_tax_rate("7.5%") == 750 and parse_tax_rate("") == 0
    with pytest.raises(LineError, match="negative"):
        parse_quantity("-1")
    with pytest.raises(LineError, match="three decimals"):
        parse_quantity("1.0005")
    with pytest.raises(LineError, match="0 to 100"):
        parse_tax_rate("120")


def test_line_amounts_round_half_up():
    assert line_amounts(Decimal("0.5"), 101, 2000) == (51, 10)  # 50.5 → 51; 10.2 → 10
    assert line_amounts(Decimal("1"), 12345, 1950) == (12345, 2407)  # 2407.275 → 2407


def test_totals_are_rounded_per_line():
    invoice = Invoice(currency="EUR")
    lines = [LineInput("A", Decimal("0.5"), 101, 2000), LineInput("B", Decimal("0.5"), 101, 2000)]
    apply_lines(invoice, InvoiceLine, lines)
    # Per line: 51 net + 10 tax; rounding the sum instead would give 101 + 20.
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (102, 20, 122)
    assert [line.position for line in invoice.lines] == [0, 1]


def test_no_lines_is_an_error():
    with pytest.raises(ServiceError, match="at least one line"):
        apply_lines(Invoice(currency="EUR"), InvoiceLine, [])


@pytest.mark.parametrize(
    ("raw", "locale", "minor"),
    [
        ("1450,50", "nb_NO", 145050),
        ("1 450,50", "fr_FR", 145050),
        ("1\u202f450,50", "fr_FR", 145050),
        ("1.450,50", "de_DE", 145050),
        ("1450.5", "de_DE", 145050),  # a dot before one or two digits is a decimal point everywhere
        ("1.450", "de_DE", 145000),  # before three, it groups thousands, as Germans write
        ("1'450.50", "de_CH", 145050),
        ("1,450.50", "en_GB", 145050),
    ],
)
def test_parse_money_reads_the_organizations_number_format(raw, locale, minor):
    assert parse_money(raw, "EUR", locale) == minor


@pytest.mark.parametrize(("raw", "locale"), [("1450,50", "en_GB"), ("1,450.50", "de_DE"), ("1e3", "nb_NO")])
def test_parse_money_refuses_what_the_format_does_not_allow(raw, locale):
    with pytest.raises(LineError, match="must be a number like"):
        parse_money(raw, "EUR", locale)


def test_amounts_are_shown_in_the_organizations_number_format():
    from portal.formatting import minor_to_input, money

    assert money(145050, "EUR", "de_DE") == "1.450,50\u00a0€"
    assert money(145050, "EUR", "en_GB") == "€1,450.50"
    assert money(145050, "NOK", "en_GB") == "NOK\u00a01,450.50"
    assert money(1500, "JPY", "en_GB") == "JP¥1,500"
    assert minor_to_input(145050, "EUR", "nb_NO") == "1450,50" and minor_to_input(145050, "EUR", "en_GB") == "1450.50"
