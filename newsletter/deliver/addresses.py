"""Subscriber addresses: checked with email-validator, folded for duplicate checks, read from CSV.

Only ASCII addresses are taken (no SMTPUTF8): every relay accepts them and they go into
headers unencoded. An internationalised domain is kept in its ASCII (punycode) form.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeliverError
from .headers import clean_header

NAME_LIMIT = 200  # characters; a longer "name" is a data error, and it must fit one header line
STATUSES = ("active", "unsubscribed", "bounced")


class AddressError(DeliverError):
    """An address that is not one a message can be sent to; the text says why."""


@dataclass(frozen=True)
class Row:
    """A subscriber as read and checked: `key` is the address folded so duplicates compare equal."""

    email: str
    key: str
    name: str = ""
    status: str = "active"


@dataclass(frozen=True)
class Rejected:
    """A CSV line that was not imported, and why."""

    line: int
    text: str
    reason: str


def checked(address: str, name: str = "", status: str = "active") -> Row:
    """The subscriber row for `address`, or AddressError saying what is wrong with it."""
    from email_validator import EmailNotValidError, validate_email

    address = address.strip()
    if not address:
        raise AddressError("no address")
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as e:
        raise AddressError(f"{address!r}: {e}") from None
    if status not in STATUSES:
        raise AddressError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    email = valid.ascii_email or valid.normalized
    return Row(email, email.lower(), clean_header(name)[:NAME_LIMIT], status)


def read_csv(path: Path) -> tuple[list[Row], list[Rejected]]:
    """Rows of a CSV file with a header naming an `email` column (and optionally `name`, `status`).

    Every line is checked; the second mention of an address (in any case) is rejected as a
    duplicate, so the caller can refuse the whole file and list each problem at once.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return _rows(csv.DictReader(f), path)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DeliverError(f"{path}: cannot read: {e}") from None


def _rows(reader: csv.DictReader, path: Path) -> tuple[list[Row], list[Rejected]]:
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    if "email" not in columns:
        raise DeliverError(f"{path}: the first line must name the columns, one of them 'email'")
    rows: list[Row] = []
    rejected: list[Rejected] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        value = {key: (record.get(name) or "").strip() for key, name in columns.items()}
        try:
            row = checked(value["email"], value.get("name", ""), value.get("status") or "active")
        except AddressError as e:
            rejected.append(Rejected(line, value["email"], str(e)))
            continue
        if row.key in seen:
            rejected.append(Rejected(line, value["email"], f"the same address as line {seen[row.key]}"))
            continue
        seen[row.key] = line
        rows.append(row)
    return rows, rejected


def write_csv(subscribers, out) -> int:
    """Write subscribers as CSV (email, name, status): what `read_csv` reads back. Returns the count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("email", "name", "status"))
    count = 0
    for subscriber in subscribers:
        writer.writerow((subscriber.email, subscriber.name, subscriber.status))
        count += 1
    return count
