"""Output folders are swapped in whole or not at all."""

import pytest

from newsletter.files import write_folder


def test_a_failed_write_leaves_the_previous_folder_untouched(tmp_path):
    folder = tmp_path / "issue-0001"
    write_folder(folder, {"issue.html": b"first"})
    with pytest.raises(FileNotFoundError):
        write_folder(folder, {"issue.html": b"second", "missing/dir.txt": b"x"})
    assert (folder / "issue.html").read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue-0001"]


def test_a_rewrite_replaces_every_file(tmp_path):
    folder = tmp_path / "issue-0001"
    write_folder(folder, {"a": b"1", "b": b"2"})
    assert write_folder(folder, {"a": b"3"}) == [folder / "a"]
    assert sorted(p.name for p in folder.iterdir()) == ["a"]
