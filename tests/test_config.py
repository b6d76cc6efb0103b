"""config.toml over defaults: every fault names its file and key or line."""

from pathlib import Path

import pytest

from newsletter import config
from newsletter.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads_and_resolves_paths_against_its_folder():
    loaded = config.load(ROOT / "config.toml")
    assert loaded.corpus.path == ROOT / "seeds"
    assert loaded.output.dir == ROOT / "out"
    assert loaded.store_url == f"sqlite:///{ROOT / 'newsletter.db'}"


def test_missing_keys_take_defaults(tmp_path):
    loaded = config.load(write(tmp_path, "[newsletter]\ntitle = 'Mine'\n"))
    assert loaded.newsletter.title == "Mine"
    assert loaded.newsletter.timezone == "Europe/London"
    assert loaded.corpus.path == tmp_path / "seeds"


def test_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "[newsletter]\ntitle = 'ok'\ntitle2 = \n")
    with pytest.raises(ConfigError, match=rf"{path}: TOML syntax error: .*line 3"):
        config.load(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[corpus]\npth = 'x'\n", r"\[corpus\] unknown key 'pth'"),
        ("[nope]\na = 1\n", r"unknown section \[nope\]"),
        ("[corpus]\nlong_form_words = 'many'\n", r"\[corpus\]\.long_form_words must be int, not str"),
        ("[corpus]\nlong_form_words = true\n", r"\[corpus\]\.long_form_words must be int, not bool"),
        ("[newsletter]\ntitle = 3\n", r"\[newsletter\]\.title must be str"),
        ("[corpus]\nboilerplate = [1]\n", r"\[corpus\]\.boilerplate must be a list of strings"),
        ("[corpus]\npath = ''\n", r"\[corpus\]\.path must be a non-empty path string"),
        ("[newsletter]\ntimezone = 'Mars/Olympus'\n", r"\[newsletter\]\.timezone: unknown time zone"),
        ("corpus = 3\n", r"\[corpus\] must be a table"),
    ],
)
def test_wrong_keys_and_values_name_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        config.load(path)
    assert str(path) in str(caught.value)


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        config.load(tmp_path / "absent.toml")


def test_no_file_means_defaults_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSLETTER_CONFIG", raising=False)
    loaded = config.load()
    assert loaded.source is None
    assert loaded.corpus.path == tmp_path / "seeds"


def test_environment_names_the_config_file(tmp_path, monkeypatch):
    path = write(tmp_path, "[newsletter]\ntitle = 'From env'\n")
    monkeypatch.setenv("NEWSLETTER_CONFIG", str(path))
    assert config.load().newsletter.title == "From env"


def test_secrets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "s3cret")
    assert config.secret("smtp_password") == "s3cret"
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD")
    assert config.secret("smtp_password") is None


def test_a_project_written_by_the_tests_kit_keeps_quotes_and_apostrophes(tmp_path):
    """The kits write config through projectkit: a title like Roy's "Daily" eLetter survives the file."""
    from projectkit import write_config
    from sendkit import project_data

    title = 'Roy\'s "Daily" eLetter \\ back'
    path = write_config(tmp_path, project_data(2525, title=title))
    loaded = config.load(path)
    assert loaded.newsletter.title == title and loaded.email.from_address == f"{title} <eletter@example.org>"


def test_secrets_never_show_in_a_repr(monkeypatch):
    from newsletter.deliver.smtp import SmtpSettings
    from newsletter.sources.mailbox import Source

    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "pw-4f7a9")
    monkeypatch.setenv("NEWSLETTER_SECRET", "key-8c2e1")
    shown = [
        repr(config.secrets()),
        str(config.secrets()),
        repr(SmtpSettings("h", 25, password="pw-4f7a9")),
        repr(Source("imaps://u@h", password="pw-4f7a9")),
    ]
    assert not [s for s in shown if "pw-4f7a9" in s or "key-8c2e1" in s]
    assert config.secret("secret") == "key-8c2e1"


def test_arrays_and_tables_are_typed_and_read_only(tmp_path):
    loaded = config.load(write(tmp_path, "[corpus]\nboilerplate = ['^Ad:']\n[audio.lexicon]\nCQC = 'C Q C'\n"))
    assert loaded.corpus.boilerplate == ("^Ad:",) and loaded.boilerplate == ("^Ad:",)
    with pytest.raises(TypeError):
        loaded.audio.lexicon["NHS"] = "N H S"  # type: ignore[index]
    assert dict(loaded.audio.lexicon) == {"CQC": "C Q C"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("[corpus]\nboilerplate = 'x'\n", r"\[corpus\]\.boilerplate must be a list of strings, not 'x'"),
        ("[audio]\nlexicon = 3\n", r"\[audio\]\.lexicon must be a table of strings, not 3"),
        ("[smtp]\nsecurity = 'ssl'\n", r"\[smtp\]\.security: must be one of starttls, tls, none, not 'ssl'"),
        ("[fetch]\nconnect_timeout = true\n", r"\[fetch\]\.connect_timeout must be float, not bool"),
        ("[web]\nmax_body_kb = 1.5\n", r"\[web\]\.max_body_kb must be int, not float"),
        ("[[feeds]]\nurl = 'x.xml'\nname = ' '\nsection = 'news'\n", r"\[\[feeds\]\]\[1\]\.name: must not be empty"),
        ("feeds = [3]\n", r"feeds must be an array of tables"),
        ("source = 'elsewhere.toml'\n", r"unknown section \[source\]"),
    ],
)
def test_every_kind_of_wrong_value_is_one_line_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        config.load(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


def test_an_int_is_a_fine_float_and_defaults_resolve_against_the_file(tmp_path):
    loaded = config.load(write(tmp_path, "[smtp]\ntimeout = 5\n"))
    assert loaded.smtp.timeout == 5.0 and isinstance(loaded.smtp.timeout, float)
    assert (loaded.archive.dir, loaded.drafts.dir) == (tmp_path / "archive", tmp_path / "drafts")
