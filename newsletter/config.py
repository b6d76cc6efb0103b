"""config.toml over built-in defaults, validated by one typed schema (pydantic) into frozen objects.

Every key is declared once, with its type, default, help text and check; the error messages,
README's config reference (`reference_markdown`, checked by tests/test_docs.py) and the code
all read that one declaration. Paths resolve against the config file's folder. Secrets come
only from the environment (`Secrets`), as SecretStr, so no repr or log shows them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import AfterValidator, Field, PlainValidator, SecretStr, TypeAdapter, ValidationError, ValidationInfo
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from . import __version__
from .errors import ConfigError

REQUIRED = ...  # the default of a key every entry must set
DOTTED_NAME = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")  # a host name such as eletter.example.org


def setting(default, help: str):
    """Declare one key: its default (REQUIRED for none) and its help text, README's reference line.

    Numbers are strict (TOML's 1 is no bool, "5" no int; an int is a fine float); paths are
    resolved even when defaulted, so a default path is relative to the config file too.
    """
    if isinstance(default, Mapping):
        default = MappingProxyType(dict(default))
    if isinstance(default, (tuple, Mapping)):
        return Field(default_factory=lambda: default, description=help)
    strict = type(default) in (int, float, bool) or None
    return Field(default, description=help, strict=strict, validate_default=isinstance(default, Path))


def check(problem):
    """A key's extra check from `problem(value)`, which returns what is wrong or None."""

    def validate(value):
        message = problem(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(validate)


def _path(value, info: ValidationInfo) -> Path:
    folder = (info.context or {}).get("folder") or Path.cwd()
    if isinstance(value, Path):  # a default: joined to the folder, as written
        return folder / value
    if not isinstance(value, str) or not value:
        raise PydanticCustomError("path", "must be a non-empty path string, not {value}", {"value": repr(value)})
    return (folder / value).resolve()


def _positive(value) -> str | None:
    return None if value > 0 else f"must be above 0, not {value!r}"


def _not_negative(value) -> str | None:
    return None if value >= 0 else f"must be 0 or more, not {value!r}"


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


N = TypeVar("N", int, float)
Positive = Annotated[N, check(_positive)]
NotNegative = Annotated[N, check(_not_negative)]
NotBlank = Annotated[str, check(_not_blank)]
ConfigPath = Annotated[Path, PlainValidator(_path)]
Strings = tuple[str, ...]  # a TOML array of strings, frozen
Table = Annotated[Mapping[str, str], AfterValidator(MappingProxyType)]  # a TOML table of strings, read-only


def section(cls):
    """A frozen section of the file: unknown keys are errors."""
    return dataclass(frozen=True, config={"extra": "forbid", "defer_build": True})(cls)


def _mailbox_error(value: str, *, named: bool = True, optional: bool = False) -> str | None:
    """Why `value` is not one email address (with a display name when `named`), checked as strictly as
    subscribers' (email-validator, ASCII only); None when it is fine. It goes into headers and SMTP commands."""
    from email.utils import getaddresses

    from email_validator import EmailNotValidError, validate_email

    if optional and not value:
        return None
    if any(c in value for c in "\r\n\0"):
        return f"{value!r} must not hold a line break"
    found = getaddresses([value])
    if len(found) != 1 or not found[0][1] or (found[0][0] and not named):
        return f"{value!r} must be one address" + (" (a name may go before it: Name <address>)" if named else "")
    try:
        validate_email(found[0][1], check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as e:
        return f"{found[0][1]!r}: {e}"
    return None


def _address_error(value: str) -> str | None:
    return _mailbox_error(value, named=False, optional=True)


def _time_zone_error(name: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name:
        return None  # only where empty is allowed: [newsletter] timezone is never empty by default
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as 'Europe/London')"
    return None


@section
class NewsletterSection:
    title: str = setting("The Daily eLetter", "Name shown in the masthead and the subject line.")
    editor: str = setting(
        "The Editor",
        'Who edits the eLetter: the lead\'s heading is "News and Comment from <editor>", and the '
        'footer says "Edited by <editor>"; empty for neither.',
    )
    language: str = setting("en-GB", "Language of the issue (the HTML `lang` attribute).")
    timezone: Annotated[str, check(lambda v: _time_zone_error(v) or _not_blank(v))] = setting(
        "Europe/London", 'IANA time zone for "today" and for dates written without a zone.'
    )


@section
class CorpusSection:
    path: ConfigPath = setting(Path("seeds"), "Folder of `.txt` and `.md` documents.")
    boilerplate: Strings = setting(
        (), "Extra regular expressions; a line matching one is not content (added to the platform families' patterns)."
    )
    venue_aliases: Table = setting({}, 'Venue names as written -> as shown, e.g. `"Kings Fund" = "The King\'s Fund"`.')
    long_form_words: int = setting(150, "A piece with at least this many words can lead the issue.")
    max_bytes: Positive[int] = setting(
        2**20,
        "Bytes read of one corpus file (1 MiB); a larger file is read up to there (at a line end), with a "
        "warning naming it, and the rest is never stored.",
    )


def _url_password_error(url: str) -> str | None:
    if re.match(r"[^:/]+://[^/@]*:[^/@]*@", url):
        return "must not hold a password: set NEWSLETTER_DATABASE_URL instead"
    return None


@section
class StoreSection:
    url: Annotated[str, check(_url_password_error)] = setting(
        "sqlite:///newsletter.db",
        "Database URL; a relative SQLite path is relative to the config file. "
        "PostgreSQL: `postgresql+psycopg://user@host:5432/db` (`pip install -e '.[postgres]'`); no password here: "
        "`NEWSLETTER_DATABASE_URL` overrides this key.",
    )


@section
class OutputSection:
    dir: ConfigPath = setting(Path("out"), "Where built issues are written (`issue-NNNN/` folders).")


@section
class TemplatesSection:
    dir: str = setting(
        "",
        "Folder whose templates override the built-in ones by name, in the same layout (e.g. "
        "`email/issue.html`, `email/style.css`); see `newsletter templates`.",
    )


@section
class DraftsSection:
    dir: ConfigPath = setting(
        Path("drafts"),
        "Folder of the editor's choices for each issue, `issue-NNNN.toml` (lead, order, drops, "
        "subject, added lines and events), made in `newsletter preview` or by hand; `newsletter build` honours them.",
    )


@section
class SectionsSection:
    lead: str = setting(
        "News and Comment",
        'Heading over the lead piece ("from <editor>" is added; a lead by someone else gets '
        "its headline and byline under it).",
    )
    pieces: str = setting("More news and comment", "Heading over the further pieces.")
    hearing: str = setting("I'm hearing", 'Heading over the "I\'m hearing" items.')
    events: str = setting("Events", "Heading over the events box.")


def _no_line_break(value: str) -> str | None:
    return f"{value!r} must not hold a line break" if any(c in value for c in "\r\n\0") else None


@section
class EmailSection:
    from_address: Annotated[str, check(_mailbox_error)] = setting(
        "The Daily eLetter <eletter@example.org>", "The From mailbox."
    )
    to_placeholder: Annotated[str, check(_no_line_break)] = setting(
        "Subscriber <subscriber@example.invalid>", "The To of a built issue until it is personalised."
    )
    message_id_domain: str = setting("example.org", "Domain of Message-IDs: your sending domain.")
    footer: str = setting(
        "You receive this eLetter because you subscribed to it.", "Footer line saying why the reader gets this."
    )
    postal_address: str = setting("", "Your postal or contact line, shown in the footer.")
    archive_url: str = setting(
        "",
        "Absolute https URL of the web archive, linked from each issue's links bar; empty (shipped): "
        "`<[web] base_url>/archive/`, where `newsletter serve` serves it. Issue N's web copy is expected at "
        '`<archive_url>/issue-NNNN.html` ("View in browser", "Forward", "Read the rest").',
    )
    size_budget_kb: Positive[int] = setting(
        90,
        "Most KB of inlined HTML (never above 100 whatever is set): over it the build cuts the longest pieces "
        'to excerpts, then moves the lowest-ranked items to "More in the web edition" (Gmail clips at 102 KB).',
    )
    excerpt_words: Positive[int] = setting(
        100, "About how many words of a piece its excerpt keeps when the issue is cut to size."
    )
    list_id: Annotated[
        str, check(lambda v: None if DOTTED_NAME.fullmatch(v) else f"{v!r} must look like name.example.org")
    ] = setting(
        "eletter.example.org", "`List-Id` of sent messages (a name under your domain); mail clients filter on it."
    )
    unsubscribe_address: Annotated[str, check(_address_error)] = setting(
        "",
        "Address offered as the `mailto:` choice of `List-Unsubscribe` (someone must read that mailbox); "
        "empty for none.",
    )
    images: bool = setting(
        False, "Show feed items' images: only https ones with alt text, at most the column's width. Off: text only."
    )


@section
class ComposeSection:
    pieces: NotNegative[int] = setting(
        20, "Most further pieces (after the lead) in one issue; the rest wait for later ones."
    )
    hearing: NotNegative[int] = setting(30, 'Most "I\'m hearing" items in one issue.')
    events: NotNegative[int] = setting(20, "Most events in one issue (the soonest).")
    max_age_days: NotNegative[int] = setting(
        14, "Items dated more than this many days before the issue date are not offered."
    )


@section
class FetchSection:
    concurrency: Positive[int] = setting(8, "How many feeds are downloaded at once.")
    connect_timeout: Positive[float] = setting(10.0, "Seconds to wait for a server to accept a connection.")
    read_timeout: Positive[float] = setting(30.0, "Seconds to wait for each piece of a response.")
    total_timeout: Positive[float] = setting(60.0, "Seconds one feed's whole download may take (slow drips included).")
    max_bytes: Positive[int] = setting(
        10 * 1024 * 1024, "Largest feed body (10 MiB), counted after decompression; a larger one is refused."
    )
    parse_timeout: Positive[float] = setting(20.0, "Seconds parsing one feed may take before it is given up.")
    parse_memory: Positive[int] = setting(1024, "MiB of memory each parser process may use.")
    workers: NotNegative[int] = setting(0, "Parser processes; 0 for one per CPU.")
    contact: str = setting(
        "", "A URL or email address for site owners, added to the User-Agent (`newsletter/VERSION (+contact)`)."
    )

    @property
    def user_agent(self) -> str:
        """Names the tool and its version, so site owners can tell who is fetching and whom to ask."""
        return f"newsletter/{__version__}" + (f" (+{self.contact})" if self.contact else "")


FeedSectionName = Literal["news", "hearing", "events"]
FEED_SECTIONS = get_args(FeedSectionName)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def _feed_url_error(url: str) -> str | None:
    """http(s) with a host, or anything without a scheme (a path); `ftp:`, `file:` and the like are refused."""
    scheme = _SCHEME.match(url)
    if not url.strip():
        return "must not be empty"
    if scheme and scheme[1].lower() in ("http", "https"):
        return None if url.split("://", 1)[-1].split("/", 1)[0] else f"{url!r} has no host"
    return f"{url!r} is neither an http(s) URL nor a file path" if scheme else None


@section
class FeedConfig:
    """One [[feeds]] entry; a file feed's `url` is an absolute path once loaded."""

    url: Annotated[str, check(_feed_url_error)] = setting(
        REQUIRED, "An http(s) URL, or a file path (relative to the config file)."
    )
    name: NotBlank = setting(REQUIRED, "The feed's name in messages and listings; unique.")
    section: FeedSectionName = setting(REQUIRED, '`news` (articles), `hearing` ("I\'m hearing" lines) or `events`.')
    max_items: NotNegative[int] = setting(
        10, "Most of the feed's items in one issue (its newest; the rest wait for later issues); 0: no limit."
    )
    enabled: bool = setting(True, "`false` keeps the entry but skips the feed.")

    @property
    def is_file(self) -> bool:
        return not self.url.lower().startswith(("http://", "https://"))

    @property
    def key(self) -> str:
        """The feed's identity in the store and its items' `source`: its URL (a file: URL for a path)."""
        return Path(self.url).as_uri() if self.is_file else self.url


SmtpSecurity = Literal["starttls", "tls", "none"]
SMTP_SECURITY = get_args(SmtpSecurity)


def _bounce_address_error(value: str) -> str | None:
    if not value or re.fullmatch(r"[A-Za-z0-9._+-]*\{token\}[A-Za-z0-9._+-]*@[A-Za-z0-9.-]+", value):
        return None
    return "must be an address with {token} in its local part, e.g. bounces+{token}@example.org"


@section
class SmtpSection:
    host: NotBlank = setting("localhost", "SMTP server that relays the eLetter.")
    port: int = setting(587, "Its port: 587 for `starttls`, 465 for `tls`, 25 or a test port for `none`.")
    security: SmtpSecurity = setting(
        "starttls",
        "`starttls`, `tls` (implicit TLS) or `none` (no encryption: a local relay or test server; a "
        "password is only ever sent over it to a loopback address). Certificates are always verified.",
    )
    username: str = setting("", "Login name; the password comes from `NEWSLETTER_SMTP_PASSWORD`. Empty: no login.")
    connections: Positive[int] = setting(4, "Connections used at once, each reused for many messages.")
    rate_limit: NotNegative[float] = setting(0.0, "Most messages per second over all connections; 0 for no limit.")
    retries: NotNegative[int] = setting(3, "Tries after a dropped connection, with doubling pauses from 1 s.")
    timeout: Positive[float] = setting(60.0, "Seconds to wait for the server at each step.")
    claim_seconds: Positive[float] = setting(
        60.0,
        "How long a sender's hold on its recipients lasts unless renewed; a restart after a crash waits up "
        "to this long.",
    )
    dkim_key_file: str = setting(
        "", "PEM private key for DKIM signing (relative to the config file); empty: no signing."
    )
    dkim_selector: str = setting(
        "eletter", "DKIM selector: the public key is published at `<selector>._domainkey.<domain>`."
    )
    dkim_domain: str = setting("", "DKIM signing domain (`d=`); empty: `[email] message_id_domain`.")
    dkim_ed25519_key_file: str = setting(
        "", "Optional second DKIM key, Ed25519 (RFC 8463), signed alongside the RSA one; empty: none."
    )
    dkim_ed25519_selector: str = setting("eletter-ed", "Selector of the Ed25519 key.")
    bounce_address: Annotated[str, check(_bounce_address_error)] = setting(
        "",
        "VERP return path, e.g. `bounces+{token}@example.org`: each message's bounces come back to an "
        "address naming its recipient (a signed token); empty: the From address. Read by `newsletter bounces "
        "fetch`.",
    )
    retry_for_hours: Positive[float] = setting(
        48.0,
        "A recipient answered 4xx (greylisting, a full mailbox) is deferred and tried again by `send "
        "--resume` or the schedule, waits jittered from 5 minutes to 4 hours, for this many hours; then failed.",
    )


def _base_url_error(url: str) -> str | None:
    if not url or re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        return None
    return f"{url!r} must be an absolute http(s) URL without query or fragment"


@section
class WebSection:
    base_url: Annotated[str, check(_base_url_error)] = setting(
        "",
        "Public https address of `newsletter serve`, for unsubscribe links; needed to send. With `[email] "
        "archive_url` empty, the archive's address is `<base_url>/archive/`; a built issue's unsubscribe link is "
        "`<base_url>/unsubscribe`. Shipped: `http://127.0.0.1:8080` (this machine); an http one is refused with "
        "a non-loopback SMTP server (RFC 8058).",
    )
    read_timeout: Positive[float] = setting(
        10.0,
        "Seconds a client of `serve` or `preview` may take to send a request's head, and again its body; "
        "slower clients are cut off (408).",
    )
    max_body_kb: Positive[int] = setting(
        64, "Largest request body `serve` and `preview` read, in KB (413 above it); heads are limited to 16 KB."
    )
    max_connections: Positive[int] = setting(
        500,
        "Connections `serve` and `preview` handle at once; more are answered 503. See SECURITY.md for the "
        "proxy in front.",
    )


def _crontab_error(expr: str) -> str | None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expr, timezone="UTC")
    except ValueError as e:
        return f"{expr!r} is not a cron expression (minute hour day month weekday): {e}"
    return None


Crontab = Annotated[str, check(_crontab_error)]
ScheduleMode = Literal["auto", "approve"]
SCHEDULE_MODES = get_args(ScheduleMode)


@section
class ScheduleSection:
    send_at: Crontab = setting(
        "0 7 * * mon-fri", "Cron expression (minute hour day month weekday): when each issue is sent."
    )
    compose_at: Crontab = setting(
        "0 5 * * mon-fri",
        "Cron expression: when the draft is built and the editor told; the issue is for the first `send_at` after it.",
    )
    timezone: Annotated[str, check(_time_zone_error)] = setting(
        "", "IANA zone of both expressions (DST-correct); empty: `[newsletter] timezone` (Europe/London)."
    )
    mode: ScheduleMode = setting(
        "auto",
        "`auto`: sent at `send_at` unless the editor holds it; `approve`: sent only once approved, else "
        "held and the editor told.",
    )
    editor_email: Annotated[str, check(_address_error)] = setting(
        "",
        "Who is emailed each draft (preview link, `check` findings), each hold and each late issue; empty: "
        "nobody (the log line only).",
    )
    preview_url: str = setting(
        "http://127.0.0.1:8000/draft", "The preview link in the editor's email (`newsletter preview`)."
    )
    min_new_items: NotNegative[int] = setting(
        1, "No issue when it would hold fewer items than this: it says so and sends nothing."
    )
    max_lateness: Positive[int] = setting(
        120, "Minutes after `send_at` an issue may still go out automatically; later, it is held and the editor told."
    )


@section
class ArchiveSection:
    dir: ConfigPath = setting(
        Path("archive"), "Where sent issues are published: `issue-NNNN.html`, `index.html`, `feed.xml` (Atom)."
    )


def _bitrate_error(value: str) -> str | None:
    kbps = re.fullmatch(r"(\d{2,3})k", value)
    return None if kbps and 32 <= int(kbps[1]) <= 320 else f"{value!r} must be 32k to 320k"


@section
class AudioSection:
    enabled: bool = setting(
        False,
        "The scheduled job reads each issue aloud (`newsletter audio`) just before sending it, so the email links it.",
    )
    command: Annotated[
        str, check(lambda v: None if "{wav}" in v else "must contain {wav}, the WAV file the command writes")
    ] = setting(
        "espeak-ng -v en-gb -s 160 -w {wav} -f {text}",
        "Text-to-speech command run per section without a shell: `{text}` a UTF-8 text file (left out: the text "
        "comes on standard input), `{wav}` the WAV it must write.",
    )
    workers: NotNegative[int] = setting(0, "Sections spoken at once; 0 for one per CPU.")
    bitrate: Annotated[str, check(_bitrate_error)] = setting("64k", "MP3 bitrate (mono, 44.1 kHz), 32k to 320k.")
    loudness: Annotated[
        float, check(lambda v: None if -31 <= v <= -5 else f"must be between -31 and -5 LUFS, not {v!r}")
    ] = setting(-16.0, "Loudness each section is brought to, in LUFS (EBU R128).")
    pause: Annotated[float, check(lambda v: None if 0 <= v <= 3 else "must be 0 to 3 seconds")] = setting(
        1.0, "Seconds of silence after each section (0 to 3)."
    )
    lexicon: Table = setting(
        {},
        "Extra pronunciations, written form = spoken form, over the built-in lexicon "
        "(`newsletter/audio/lexicon.toml`).",
    )


def _imap_url_error(value: str) -> str | None:
    if not value.startswith(("imap://", "imaps://")) or re.fullmatch(r"imaps://[^@/\s]+@[^/\s]+(/\S*)?", value):
        return None
    return f"{value!r}: IMAP goes over TLS only: imaps://user@host[:port][/folder]"


@section
class BouncesSection:
    mailbox: Annotated[str, check(_imap_url_error)] = setting(
        "",
        "Where bounces, complaints and unsubscribe mails arrive: a Maildir folder (relative to the config file) "
        "or `imaps://user@host[:port][/folder]` (password in `NEWSLETTER_BOUNCES_PASSWORD`); empty: not read.",
    )
    soft_limit: Positive[int] = setting(
        3, "A subscriber whose last this-many issues all soft-bounced is set to `bounced`."
    )
    max_message_kb: Positive[int] = setting(1024, "Larger messages in the mailbox are set aside unread.")


@section
class TipsSection:
    imap_url: Annotated[str, check(_imap_url_error)] = setting(
        "",
        "Mailbox readers' tips arrive in: `imaps://user@host[:port][/folder]` (password in "
        "`NEWSLETTER_TIPS_PASSWORD`); empty: not read.",
    )
    maildir: str = setting(
        "", "A local Maildir folder tips are delivered to (relative to the config file); empty: none."
    )
    keep_source_days: Positive[int] = setting(
        30, "Days a tip's sender (address, name, client IP) is kept, then deleted."
    )
    keep_days: Positive[int] = setting(90, "Days a tip's text is kept unless it became an \"I'm hearing\" line.")
    rate_limit: Positive[int] = setting(5, "Tips one client address may send through the form in `rate_seconds`.")
    rate_seconds: Positive[int] = setting(3600, "The window `rate_limit` counts in, in seconds.")
    max_chars: Positive[int] = setting(4000, "Longest tip kept, in characters (after trimming quotes and signature).")
    max_message_kb: Positive[int] = setting(1024, "Larger tip mails are set aside unread.")


@section
class SubscribeSection:
    """The public sign-up and manage pages of `newsletter serve` (web/signup.py): how long their links
    last and how often one client or one address may use them."""

    confirm_hours: Positive[float] = setting(48.0, "Hours a confirmation link (sign-up, new address) stays good.")
    manage_days: Positive[int] = setting(90, "Days the manage link in each issue's footer stays good.")
    mails_per_address: Positive[int] = setting(
        3,
        "Most mails the sign-up and manage forms send one address in `mail_window_hours`, counted in the "
        "store (a restart does not reset it), so nobody can mail-bomb a victim through the form.",
    )
    mail_window_hours: Positive[float] = setting(24.0, "The window `mails_per_address` is counted over.")
    per_client: Positive[int] = setting(20, "Most form posts one client (IP address) may make in an hour; then 429.")
    per_address: Positive[int] = setting(
        5, "Most sign-ups for one address in an hour (the rest get the usual answer and no mail)."
    )
    max_form_bytes: Positive[int] = setting(4096, "Largest sign-up or manage form body, in bytes; larger is 413.")


def table():
    """A [section] of Config: a missing table is validated too, so its paths resolve like the file's."""
    return Field(default_factory=dict, validate_default=True)


@dataclass(frozen=True, config={"extra": "forbid"})
class Config:
    """The whole configuration; `source` is the file it came from (None: built-in defaults)."""

    newsletter: NewsletterSection = table()
    corpus: CorpusSection = table()
    store: StoreSection = table()
    output: OutputSection = table()
    templates: TemplatesSection = table()
    drafts: DraftsSection = table()
    sections: SectionsSection = table()
    email: EmailSection = table()
    fetch: FetchSection = table()
    smtp: SmtpSection = table()
    web: WebSection = table()
    schedule: ScheduleSection = table()
    archive: ArchiveSection = table()
    audio: AudioSection = table()
    compose: ComposeSection = table()
    bounces: BouncesSection = table()
    tips: TipsSection = table()
    subscribe: SubscribeSection = table()
    feeds: tuple[FeedConfig, ...] = ()
    source: Path | None = None

    @property
    def folder(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    @property
    def store_url(self) -> str:
        """The store URL with a relative SQLite path made absolute against the config folder.

        NEWSLETTER_DATABASE_URL overrides [store] url: a PostgreSQL URL carries a password.
        """
        url = secret("database_url") or self.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url[len(prefix) :].startswith("/") and url != "sqlite:///:memory:":
            return prefix + str(self.folder / url[len(prefix) :])
        return url

    @property
    def archive_url(self) -> str | None:
        """Where readers find the web archive: [email] archive_url, else <[web] base_url>/archive
        (where `newsletter serve` serves it); None when neither is set. One source for the email's
        links and the archive's own, so they cannot disagree."""
        derived = self.web.base_url and self.web.base_url.rstrip("/") + "/archive/"
        return self.email.archive_url or derived or None

    @property
    def unsubscribe_page(self) -> str | None:
        """The general unsubscribe page of `newsletter serve` (a form that mails the reader their own
        link): where a built issue's unsubscribe link points until `send` personalises it."""
        if self.web.base_url:
            return self.web.base_url.rstrip("/") + "/unsubscribe"
        return f"mailto:{self.email.unsubscribe_address}" if self.email.unsubscribe_address else None

    @property
    def tip_page(self) -> str | None:
        """The tip form of `newsletter serve`, linked from "I'm hearing" and the footer; None without base_url."""
        return self.web.base_url.rstrip("/") + "/tip" if self.web.base_url else None

    @property
    def templates_dir(self) -> Path | None:
        return self.folder / self.templates.dir if self.templates.dir else None

    @property
    def zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.newsletter.timezone)

    @property
    def boilerplate(self) -> tuple[str, ...]:
        return self.corpus.boilerplate


SECTIONS = {name: f.annotation for name, f in Config.__pydantic_fields__.items() if name not in ("source", "feeds")}


@dataclass(frozen=True)
class Secrets:
    """The secrets, each from NEWSLETTER_<NAME> in the environment and never from a file in git."""

    smtp_password: SecretStr | None = setting(None, "Password of `[smtp] username`.")
    secret: SecretStr | None = setting(
        None,
        "Signs unsubscribe links and bounce addresses; needed by `send` and `serve`. It must look random: a "
        "value with spaces, few distinct characters or a run such as `0123456789abcdef` is refused "
        "(`python -c 'import secrets; print(secrets.token_urlsafe(32))'` makes one).",
    )
    database_url: SecretStr | None = setting(
        None, "Overrides `[store] url`, so that a database password stays out of the file."
    )
    bounces_password: SecretStr | None = setting(None, "Password of an imaps `[bounces] mailbox`.")
    tips_password: SecretStr | None = setting(None, "Password of an imaps `[tips] imap_url`.")
    preview_password: SecretStr | None = setting(
        None, "Login of `newsletter preview` served off loopback; unset: a token is printed at start."
    )


def secrets() -> Secrets:
    """The secrets set now; SecretStr shows as '**********' in any repr or log."""
    names = (f.name for f in dataclasses.fields(Secrets))
    return Secrets(**{name: os.environ.get(f"NEWSLETTER_{name.upper()}") or None for name in names})


def secret(name: str) -> str | None:
    """One secret's value (see `Secrets`), for the call that uses it; None when it is not set."""
    value = getattr(secrets(), name)
    return value.get_secret_value() if value else None


def default_path() -> Path:
    """NEWSLETTER_CONFIG, else ./config.toml."""
    return Path(os.environ.get("NEWSLETTER_CONFIG") or "config.toml")


def load(path: Path | str | None = None) -> Config:
    """Read `path` (default: see `default_path`) over the built-in defaults."""
    explicit = path is not None or "NEWSLETTER_CONFIG" in os.environ
    path = Path(path) if path is not None else default_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: config file not found")
        return from_dict({})
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: TOML syntax error: {e}") from None
    except RecursionError:
        raise ConfigError(f"{path}: arrays or tables nested too deeply to read") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    return from_dict(data, path.resolve())


_SCHEMA = TypeAdapter(Config)


def from_dict(data: dict, source: Path | None = None) -> Config:
    """Validate every key and value of `data` against the schema; the first fault raises ConfigError naming its key."""
    where = str(source) if source else "config"
    unknown = [name for name in data if name not in SECTIONS and name != "feeds"]
    if unknown:
        raise ConfigError(f"{where}: unknown section [{unknown[0]}] (known: {', '.join(SECTIONS)})")
    folder = source.parent if source else Path.cwd()
    try:
        loaded = _SCHEMA.validate_python({**data, "source": source}, context={"folder": folder})
    except ValidationError as e:
        raise ConfigError(f"{where}: {_message(e.errors()[0])}") from None
    return dataclasses.replace(loaded, feeds=_feeds(loaded.feeds, where, folder))


def _feeds(feeds: tuple[FeedConfig, ...], where: str, folder: Path) -> tuple[FeedConfig, ...]:
    """File feeds' paths made absolute; a name or URL given twice is refused, naming both entries from 1."""
    done: list[FeedConfig] = []
    for number, feed in enumerate(feeds, 1):
        if feed.is_file:
            feed = dataclasses.replace(feed, url=str((folder / feed.url).resolve()))
        for n, other in enumerate(done, 1):
            if other.name == feed.name or other.key == feed.key:
                clash = "name" if other.name == feed.name else "url"
                raise ConfigError(
                    f"{where}: [[feeds]][{number}].{clash}: {getattr(feed, clash)!r} is already [[feeds]][{n}]'s"
                )
        done.append(feed)
    return tuple(done)


_TYPE_NAMES = {"int_type": "int", "string_type": "str", "bool_type": "bool", "float_type": "float"}


def _message(error: dict) -> str:
    """One pydantic error as the line a person reads: the key as written in the file, then what is wrong."""
    loc, kind, value = error["loc"], error["type"], error["input"]
    if loc[0] == "feeds" and (len(loc) == 1 or kind in ("dataclass_type", "dataclass_args_type")):
        return "feeds must be an array of tables, written [[feeds]]"
    table = f"[[feeds]][{loc[1] + 1}]" if loc[0] == "feeds" else f"[{loc[0]}]"
    names = loc[2:] if loc[0] == "feeds" else loc[1:]
    if not names:
        return f"{table} must be a table"
    at = f"{table}.{names[0]}"
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        schema = FeedConfig if loc[0] == "feeds" else SECTIONS[loc[0]]
        known = ", ".join(schema.__pydantic_fields__)
        return f"{table} unknown key '{names[0]}' (known: {known})"
    if kind == "missing":
        return f"{at} is required"
    if len(names) > 1:  # inside an array or a table of strings
        return f"{at} must be a list of strings" if isinstance(names[1], int) else f"{at} values must be strings"
    if kind in _TYPE_NAMES:
        return f"{at} must be {_TYPE_NAMES[kind]}, not {type(value).__name__} ({value!r})"
    if kind in ("tuple_type", "dict_type", "mapping_type"):
        return f"{at} must be {'a list' if kind == 'tuple_type' else 'a table'} of strings, not {value!r}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", error["ctx"]["expected"])
        return f"{at}: must be one of {', '.join(choices)}, not {value!r}"
    if kind == "value_error":
        return f"{at}: {error['ctx']['error']}"
    return f"{at} {error['msg']}"


def reference() -> list[tuple[str, str, object, str]]:
    """(section, key, default, help) for every setting: the README's config reference."""
    rows = []
    for name, schema in [*SECTIONS.items(), ("[feeds]", FeedConfig)]:
        for key, f in schema.__pydantic_fields__.items():
            default = REQUIRED if f.is_required() else f.get_default(call_default_factory=True)
            rows.append((name, key, default, f.description))
    return rows


def reference_markdown() -> str:
    """README's "Config reference" tables, made from the schema (tests/test_docs.py keeps README equal to it)."""
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for name, key, default, help in reference():
        lines.append(f"| `[{name}] {key}` | {_shown(default)} | {_cell(help)} |")
    lines += ["", "| environment variable | meaning |", "|---|---|"]
    for key, f in Secrets.__pydantic_fields__.items():
        lines.append(f"| `NEWSLETTER_{key.upper()}` | {_cell(f.description)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _shown(default) -> str:
    """A default as config.toml spells it."""
    if default is REQUIRED:
        return "required"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if isinstance(default, tuple) and not default:
        return "`[]`"
    if isinstance(default, Mapping) and not default:
        return "`{}`"
    return f"`{default}`" if default != "" else '`""`'
