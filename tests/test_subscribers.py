"""`newsletter subscribers`: add, remove, list, import (all or nothing) and export, in process."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.deliver.addresses import AddressError, checked


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config.toml").write_text('[newsletter]\ntitle = "T"\n', encoding="utf-8")
    return tmp_path


def run(project, *args):
    return CliRunner().invoke(cli, ["subscribers", *args, "--config", str(project / "config.toml")])


def listed(project):
    result = run(project, "list")
    assert result.exit_code == 0, result.output
    return [line.split()[:2] for line in result.stdout.splitlines()]


def test_add_list_and_remove(project):
    assert (
        run(project, "add", "Ada@Example.ORG", "--name", "Ada Lovelace").stdout
        == "Added Ada@example.org (Ada Lovelace)\n"
    )
    assert run(project, "add", "bob@example.org").stdout == "Added bob@example.org\n"
    result = run(project, "list")
    assert result.stdout.splitlines()[0].split("  ")[0] == "Ada@example.org"
    assert result.stdout.splitlines()[0].endswith("Ada Lovelace")
    assert result.stderr == "2 subscriber(s): 2 active (0 paused), 0 pending, 0 unsubscribed, 0 bounced\n"
    assert run(project, "remove", "ADA@example.org").stdout == "Removed Ada@example.org\n"
    assert listed(project) == [["bob@example.org", "active"]]
    missing = run(project, "remove", "ada@example.org")
    assert missing.exit_code == 1 and "ada@example.org is not on the list" in missing.output


def test_the_same_address_in_another_case_is_a_duplicate(project):
    assert run(project, "add", "ada@example.org").exit_code == 0
    again = run(project, "add", "ADA@EXAMPLE.ORG")
    assert again.exit_code == 1
    assert "Error: ada@example.org is already on the list (active)" in again.output


def test_a_bad_address_is_refused_with_the_reason(project):
    result = run(project, "add", "not an address")
    assert result.exit_code == 1 and "'not an address'" in result.output and "@-sign" in result.output


@pytest.mark.parametrize("value", ["", "a@b", "Ada <ada@example.org>", "ada@exa mple.org", "zoë@example.org"])
def test_addresses_that_are_refused(value):
    with pytest.raises(AddressError):
        checked(value)


def test_names_are_cleaned_for_headers():
    assert checked("ada@example.org", "Ada\r\nBcc: x@y =?utf-8?q?a=0Ab?=").name == "Ada Bcc: x@y a b"


def test_import_is_all_or_nothing_with_a_report(project):
    csv = project / "people.csv"
    csv.write_text(
        "Email,Name\nada@example.org,Ada\nnot-an-address,Bob\nADA@example.org,Ada again\n,Nobody\n", encoding="utf-8"
    )
    result = run(project, "import", str(csv))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{csv}, line 3: 'not-an-address': An email address must have an @-sign.",
        f"{csv}, line 4: the same address as line 2",
        f"{csv}, line 5: no address",
        "Error: 3 row(s) rejected; nothing imported",
    ]
    assert listed(project) == []


def test_import_then_import_again(project):
    csv = project / "people.csv"
    csv.write_text("\ufeffemail,name\nada@example.org,Ada\nbob@example.org,\n", encoding="utf-8")
    assert run(project, "import", str(csv)).stdout == (
        "Imported 2 new subscriber(s); 0 already on the list, left as they were\n"
    )
    csv.write_text("email\nBOB@example.org\ncy@example.org\n", encoding="utf-8")
    assert run(project, "import", str(csv)).stdout == (
        "Imported 1 new subscriber(s); 1 already on the list, left as they were\n"
    )
    assert [row[0] for row in listed(project)] == ["ada@example.org", "bob@example.org", "cy@example.org"]


def test_a_file_without_an_email_column_is_an_error(project):
    csv = project / "people.csv"
    csv.write_text("address,name\nada@example.org,Ada\n", encoding="utf-8")
    result = run(project, "import", str(csv))
    assert result.exit_code == 1 and "the first line must name the columns, one of them 'email'" in result.output


def test_export_reads_back_with_statuses(project, tmp_path):
    csv = project / "people.csv"
    csv.write_text(
        'email,name,status\nada@example.org,"Lovelace, Ada",active\nbob@example.org,Bob,unsubscribed\n',
        encoding="utf-8",
    )
    assert run(project, "import", str(csv)).exit_code == 0
    exported = run(project, "export")
    assert exported.stdout == (
        'email,name,status\nada@example.org,"Lovelace, Ada",active\nbob@example.org,Bob,unsubscribed\n'
    )
    assert exported.stderr == "Exported 2 subscriber(s)\n"
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.toml").write_text("", encoding="utf-8")
    (other / "back.csv").write_text(exported.stdout, encoding="utf-8")
    assert run(other, "import", str(other / "back.csv")).exit_code == 0
    assert listed(other) == [["ada@example.org", "active"], ["bob@example.org", "unsubscribed"]]
