"""config.toml over built-in defaults, checked key by key, into frozen objects.

Every setting is declared once, with its default and help text, so the file, the
README's reference and the error messages cannot drift apart. Paths resolve against
the config file's folder; secrets never live here (see `secret`).
"""

from __future__ import annotations

import os
import re
import tomllib
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from . import __version__
from .errors import ConfigError

DOTTED_NAME = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")  # a host name such as eletter.example.org


def setting(default, help: str, *, path: bool = False, check=None):
    """Declare one config key: its default, its help text, whether it is a path, and an extra check.

    `check(value)` returns an error message, or None when the value is right.
    """
    metadata = {"help": help, "path": path, "check": check}
    if isinstance(default, (list, dict, tuple)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


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


def _time_zone_error(name: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as 'Europe/London')"
    return None


@dataclass(frozen=True)
class NewsletterSection:
    title: str = setting("The Daily eLetter", "Name shown in the masthead and the subject line.")
    editor: str = setting("The Editor", "Who edits the eLetter: 'News and Comment from <editor>' and the footer.")
    language: str = setting("en-GB", "Language of the issue (the HTML lang attribute).")
    timezone: str = setting(
        "Europe/London", "IANA time zone for dates without one and for 'today'.", check=_time_zone_error
    )


@dataclass(frozen=True)
class CorpusSection:
    path: Path = setting(Path("seeds"), "Folder of .txt and .md documents.", path=True)
    boilerplate: list = setting(
        [], "Extra regular expressions; a line matching one is not content (added to the platform families' patterns)."
    )
    venue_aliases: dict = setting({}, "Venue names as written -> as shown, e.g. \"Kings Fund\" = \"The King's Fund\".")
    long_form_words: int = setting(150, "A piece with at least this many words can lead the issue.")
    max_bytes: int = setting(
        2**20, "Bytes read of one corpus file; a larger one is read up to here, with a warning.",
        check=lambda n: None if n > 0 else "must be a positive number of bytes",
    )


@dataclass(frozen=True)
class StoreSection:
    url: str = setting(
        "sqlite:///newsletter.db", "Database URL; a relative SQLite path is relative to this file.",
        check=lambda url: "must not hold a password: set NEWSLETTER_DATABASE_URL instead"
        if re.match(r"[^:/]+://[^/@]*:[^/@]*@", url) else None,
    )


@dataclass(frozen=True)
class OutputSection:
    dir: Path = setting(Path("out"), "Where built issues are written (issue-NNNN/ folders).", path=True)


@dataclass(frozen=True)
class TemplatesSection:
    dir: str = setting("", "Folder whose templates override the built-in ones by name; empty for none.")


@dataclass(frozen=True)
class DraftsSection:
    dir: Path = setting(
        Path("drafts"), "Where the editor's choices for each issue are kept (issue-NNNN.toml).", path=True
    )


@dataclass(frozen=True)
class SectionsSection:
    lead: str = setting("News and Comment", "Heading over the lead piece ('from <editor>' is added).")
    pieces: str = setting("More news and comment", "Heading over the further pieces.")
    hearing: str = setting("I'm hearing", "Heading over the 'I'm hearing' items.")
    events: str = setting("Events", "Heading over the events box.")


@dataclass(frozen=True)
class EmailSection:
    from_address: str = setting("The Daily eLetter <eletter@example.org>", "The From mailbox.", check=_mailbox_error)
    to_placeholder: str = setting(
        "Subscriber <subscriber@example.invalid>", "The To of a built issue before it is personalised.",
        check=lambda v: f"{v!r} must not hold a line break" if any(c in v for c in "\r\n\0") else None,
    )
    message_id_domain: str = setting("example.org", "Domain of Message-IDs (the sending domain).")
    footer: str = setting(
        "You receive this eLetter because you subscribed to it.", "Footer line saying why the reader gets this."
    )
    postal_address: str = setting("", "Sender's postal or contact line shown in the footer.")
    archive_url: str = setting(
        "", "Absolute https URL of the web archive, linked from each issue's links bar; empty for none. "
        "Issue N's web copy is expected at <archive_url>/issue-NNNN.html.",
    )
    size_budget_kb: int = setting(
        90, "Most KB of inlined HTML (never above 100): over it the longest pieces are cut to excerpts, then the "
        "lowest-ranked items move to 'More in the web edition' (Gmail clips at 102 KB).",
        check=lambda n: None if n > 0 else f"must be above 0, not {n!r}",
    )
    excerpt_words: int = setting(
        100, "About how many words of a piece its excerpt keeps when the issue is cut to size.",
        check=lambda n: None if n > 0 else f"must be above 0, not {n!r}",
    )
    list_id: str = setting(
        "eletter.example.org", "List-Id of sent messages (a name under your domain); mail clients filter on it.",
        check=lambda v: None if DOTTED_NAME.fullmatch(v) else f"{v!r} must look like name.example.org",
    )
    unsubscribe_address: str = setting(
        "", "Address offered as the mailto: choice of List-Unsubscribe (you read that mailbox); empty for none.",
        check=lambda v: _mailbox_error(v, named=False, optional=True),
    )
    images: bool = setting(
        False, "Show feed items' images (https with alt text only, at most the column's width); off: text only."
    )


def _positive(value) -> str | None:
    return None if value > 0 else f"must be above 0, not {value!r}"


def _not_negative(value) -> str | None:
    return None if value >= 0 else f"must be 0 or more, not {value!r}"


@dataclass(frozen=True)
class ComposeSection:
    pieces: int = setting(20, "Most further pieces (after the lead) in one issue; the rest wait for later ones.",
                          check=_not_negative)
    hearing: int = setting(30, "Most \"I'm hearing\" items in one issue.", check=_not_negative)
    events: int = setting(20, "Most events in one issue (the soonest).", check=_not_negative)
    max_age_days: int = setting(
        14, "Items dated more than this many days before the issue date are not offered.", check=_not_negative
    )


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


@dataclass(frozen=True)
class FetchSection:
    concurrency: int = setting(8, "How many feeds are downloaded at once.", check=_positive)
    connect_timeout: float = setting(10.0, "Seconds to wait for a server to accept a connection.", check=_positive)
    read_timeout: float = setting(30.0, "Seconds to wait for each piece of a response.", check=_positive)
    total_timeout: float = setting(60.0, "Seconds one feed's whole download may take.", check=_positive)
    max_bytes: int = setting(10 * 1024 * 1024, "Largest feed body, counted after decompression.", check=_positive)
    parse_timeout: float = setting(20.0, "Seconds parsing one feed may take.", check=_positive)
    parse_memory: int = setting(1024, "MiB of memory each parser process may use.", check=_positive)
    workers: int = setting(0, "Parser processes; 0 for one per CPU.", check=_not_negative)
    contact: str = setting("", "A URL or email address for site owners, added to the User-Agent.")

    @property
    def user_agent(self) -> str:
        """Names the tool and its version, so site owners can tell who is fetching and whom to ask."""
        return f"newsletter/{__version__}" + (f" (+{self.contact})" if self.contact else "")


FEED_SECTIONS = ("news", "hearing", "events")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def _feed_url_error(url: str) -> str | None:
    """http(s) with a host, or anything without a scheme (a path); `ftp:`, `file:` and the like are refused."""
    scheme = _SCHEME.match(url)
    if not url.strip():
        return "must not be empty"
    if scheme and scheme[1].lower() in ("http", "https"):
        return None if url.split("://", 1)[-1].split("/", 1)[0] else f"{url!r} has no host"
    return f"{url!r} is neither an http(s) URL nor a file path" if scheme else None


def _feed_section_error(section: str) -> str | None:
    return None if section in FEED_SECTIONS else f"must be one of {', '.join(FEED_SECTIONS)}, not {section!r}"


@dataclass(frozen=True)
class FeedConfig:
    """One [[feeds]] entry; a file feed's `url` is an absolute path once loaded."""

    url: str = setting("", "Required: an http(s) URL, or a file path (relative to this file).", check=_feed_url_error)
    name: str = setting("", "Required: the feed's name in messages and listings.", check=_not_blank)
    section: str = setting(
        "news", "Required: where its items go: news (articles), hearing (\"I'm hearing\") or events.",
        check=_feed_section_error,
    )
    max_items: int = setting(
        10, "Most of its items in one issue (the newest; the rest wait for later issues); 0: no limit.",
        check=_not_negative,
    )
    enabled: bool = setting(True, "Set to false to keep the entry but skip the feed.")

    @property
    def is_file(self) -> bool:
        return not self.url.lower().startswith(("http://", "https://"))

    @property
    def key(self) -> str:
        """The feed's identity in the store and its items' `source`: its URL (a file: URL for a path)."""
        return Path(self.url).as_uri() if self.is_file else self.url


SMTP_SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSection:
    host: str = setting("localhost", "SMTP server that relays the eLetter.", check=_not_blank)
    port: int = setting(587, "Its port: 587 for starttls, 465 for tls, 25 or a local test port for none.")
    security: str = setting(
        "starttls", "starttls, tls (implicit TLS) or none (no encryption: a local relay or test server).",
        check=lambda v: None if v in SMTP_SECURITY else f"must be one of {', '.join(SMTP_SECURITY)}, not {v!r}",
    )
    username: str = setting("", "Login name; the password comes from NEWSLETTER_SMTP_PASSWORD. Empty: no login.")
    connections: int = setting(4, "Connections used at once, each reused for many messages.", check=_positive)
    rate_limit: float = setting(0.0, "Most messages per second over all connections; 0 for no limit.", check=_not_negative)
    retries: int = setting(3, "Tries after a dropped connection, with doubling pauses.", check=_not_negative)
    timeout: float = setting(60.0, "Seconds to wait for the server at each step.", check=_positive)
    claim_seconds: float = setting(
        60.0, "How long a sender's hold on recipients lasts unless renewed; a restart after a crash waits this long.",
        check=_positive,
    )
    dkim_key_file: str = setting("", "PEM private key for DKIM signing (relative to this file); empty: no signing.")
    dkim_selector: str = setting("eletter", "DKIM selector: the key is published at <selector>._domainkey.<domain>.")
    dkim_domain: str = setting("", "DKIM signing domain (d=); empty: [email] message_id_domain.")
    dkim_ed25519_key_file: str = setting(
        "", "Optional second DKIM key, Ed25519 (RFC 8463), signed alongside the RSA one; empty: none.")
    dkim_ed25519_selector: str = setting("eletter-ed", "Selector of the Ed25519 key.")
    bounce_address: str = setting(
        "", 'VERP return path, e.g. "bounces+{token}@example.org": each message\'s bounces come back to an address '
        "naming its recipient (a signed token); empty: the From address. Read by `newsletter bounces fetch`.",
        check=lambda v: None if not v or re.fullmatch(r"[A-Za-z0-9._+-]*\{token\}[A-Za-z0-9._+-]*@[A-Za-z0-9.-]+", v)
        else "must be an address with {token} in its local part, e.g. bounces+{token}@example.org")
    retry_for_hours: float = setting(
        48.0, "A recipient answered 4xx (greylisting, full mailbox) is tried again later, with jittered "
        "backoff from 5 minutes to 4 hours, for this many hours; then failed.", check=_positive)


def _base_url_error(url: str) -> str | None:
    if not url or re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        return None
    return f"{url!r} must be an absolute http(s) URL without query or fragment"


@dataclass(frozen=True)
class WebSection:
    base_url: str = setting(
        "", "Public https address of `newsletter serve`, used in unsubscribe links; needed to send.",
        check=_base_url_error,
    )
    read_timeout: float = setting(
        10.0, "Seconds a client of serve or preview may take to send a request's head, and again its body.",
        check=_positive,
    )
    max_body_kb: int = setting(64, "Largest request body serve and preview read, in KB (forms are far smaller).",
                               check=_positive)
    max_connections: int = setting(
        500, "Connections serve and preview handle at once; more are answered 503.", check=_positive
    )


def _crontab_error(expr: str) -> str | None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expr, timezone="UTC")
    except ValueError as e:
        return f"{expr!r} is not a cron expression (minute hour day month weekday): {e}"
    return None


SCHEDULE_MODES = ("auto", "approve")


@dataclass(frozen=True)
class ScheduleSection:
    send_at: str = setting("0 7 * * mon-fri", "Cron expression: when each issue is sent.", check=_crontab_error)
    compose_at: str = setting(
        "0 5 * * mon-fri", "Cron expression: when the draft is built and the editor told.", check=_crontab_error
    )
    timezone: str = setting(
        "", "IANA time zone of send_at and compose_at; empty: [newsletter] timezone.",
        check=lambda v: _time_zone_error(v) if v else None,
    )
    mode: str = setting(
        "auto", "auto: send at send_at unless held; approve: send only once approved.",
        check=lambda v: None if v in SCHEDULE_MODES else f"must be one of {', '.join(SCHEDULE_MODES)}, not {v!r}",
    )
    editor_email: str = setting(
        "", "Who is told of each draft, hold and late issue; empty: nobody (logged only).",
        check=lambda v: _mailbox_error(v, named=False, optional=True),
    )
    preview_url: str = setting("http://127.0.0.1:8000/draft", "The preview link in the editor's email.")
    min_new_items: int = setting(1, "No issue when it would have fewer items than this.", check=_not_negative)
    max_lateness: int = setting(
        120, "Minutes after send_at an issue may still go out automatically.", check=_positive
    )


@dataclass(frozen=True)
class ArchiveSection:
    dir: Path = setting(Path("archive"), "Where sent issues are published as web pages and an Atom feed.", path=True)


def _bitrate_error(value: str) -> str | None:
    kbps = re.fullmatch(r"(\d{2,3})k", value)
    return None if kbps and 32 <= int(kbps[1]) <= 320 else f"{value!r} must be 32k to 320k"


@dataclass(frozen=True)
class AudioSection:
    enabled: bool = setting(
        False, "The scheduled job reads each issue aloud to an MP3 just before sending it, so the email can link it."
    )
    command: str = setting(
        "espeak-ng -v en-gb -s 160 -w {wav} -f {text}",
        "Text-to-speech command run per section, without a shell: {text} is a UTF-8 text file (without "
        "{text} the text comes on standard input), {wav} the WAV file it must write.",
        check=lambda v: None if "{wav}" in v else "must contain {wav}, the WAV file the command writes",
    )
    workers: int = setting(0, "Sections synthesised at once; 0 for one per CPU.", check=_not_negative)
    bitrate: str = setting("64k", "MP3 bitrate (mono, 44.1 kHz): 64k suits speech.", check=_bitrate_error)
    loudness: float = setting(
        -16.0, "Loudness each section is brought to, in LUFS (EBU R128); podcasts use -16.",
        check=lambda v: None if -31 <= v <= -5 else f"must be between -31 and -5 LUFS, not {v!r}",
    )
    pause: float = setting(
        1.0, "Seconds of silence after each section.", check=lambda v: None if 0 <= v <= 3 else "must be 0 to 3 seconds"
    )
    lexicon: dict = setting(
        {}, "Extra pronunciations, written form = spoken form (e.g. \"CQC\" = \"C Q C\"), over the built-in lexicon."
    )


def _imap_url_error(value: str) -> str | None:
    if not value or not value.startswith(("imap://", "imaps://")) or re.fullmatch(r"imaps://[^@/\s]+@[^/\s]+(/\S*)?", value):
        return None
    return f"{value!r}: IMAP goes over TLS only: imaps://user@host[:port][/folder]"


@dataclass(frozen=True)
class BouncesSection:
    mailbox: str = setting(
        "", "Where bounces, complaints and unsubscribe mails arrive: a Maildir folder (relative to this file) or "
        "imaps://user@host[:port][/folder] (password in NEWSLETTER_BOUNCES_PASSWORD); empty: not read.",
        check=_imap_url_error)
    soft_limit: int = setting(3, "A subscriber whose last this-many issues all soft-bounced is set to bounced.",
                              check=_positive)
    max_message_kb: int = setting(1024, "Larger messages in the mailbox are set aside unread.", check=_positive)


@dataclass(frozen=True)
class SubscribeSection:
    """The public sign-up and manage pages of `newsletter serve` (web/signup.py): how long their links
    last and how often one client or one address may use them."""

    confirm_hours: float = setting(48.0, "Hours a confirmation link (sign-up, new address) stays good.", check=_positive)
    manage_days: int = setting(90, "Days the manage link in each issue's footer stays good.", check=_positive)
    mails_per_address: int = setting(
        3, "Most mails the forms send one address in mail_window_hours (counted in the store: a restart "
           "does not reset it), so nobody can mail-bomb a victim through the form.", check=_positive)
    mail_window_hours: float = setting(24.0, "The window mails_per_address is counted over.", check=_positive)
    per_client: int = setting(20, "Most form posts one client (IP address) may make in an hour.", check=_positive)
    per_address: int = setting(5, "Most sign-ups for one address in an hour.", check=_positive)
    max_form_bytes: int = setting(4096, "Largest sign-up or manage form body, in bytes.", check=_positive)


@dataclass(frozen=True)
class Config:
    """The whole configuration; `source` is the file it came from (None: built-in defaults)."""

    newsletter: NewsletterSection = field(default_factory=NewsletterSection)
    corpus: CorpusSection = field(default_factory=CorpusSection)
    store: StoreSection = field(default_factory=StoreSection)
    output: OutputSection = field(default_factory=OutputSection)
    templates: TemplatesSection = field(default_factory=TemplatesSection)
    drafts: DraftsSection = field(default_factory=DraftsSection)
    sections: SectionsSection = field(default_factory=SectionsSection)
    email: EmailSection = field(default_factory=EmailSection)
    fetch: FetchSection = field(default_factory=FetchSection)
    smtp: SmtpSection = field(default_factory=SmtpSection)
    web: WebSection = field(default_factory=WebSection)
    schedule: ScheduleSection = field(default_factory=ScheduleSection)
    archive: ArchiveSection = field(default_factory=ArchiveSection)
    audio: AudioSection = field(default_factory=AudioSection)
    compose: ComposeSection = field(default_factory=ComposeSection)
    bounces: BouncesSection = field(default_factory=BouncesSection)
    subscribe: SubscribeSection = field(default_factory=SubscribeSection)
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
        if url.startswith(prefix) and not url[len(prefix):].startswith("/") and url != "sqlite:///:memory:":
            return prefix + str(self.folder / url[len(prefix):])
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
    def templates_dir(self) -> Path | None:
        return self.folder / self.templates.dir if self.templates.dir else None

    @property
    def zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.newsletter.timezone)

    @property
    def boilerplate(self) -> tuple[str, ...]:
        return tuple(self.corpus.boilerplate)


SECTIONS = {f.name: f.default_factory for f in fields(Config) if f.name not in ("source", "feeds")}


def secret(name: str) -> str | None:
    """A secret from the environment (NEWSLETTER_<NAME>); never from a file in git."""
    return os.environ.get(f"NEWSLETTER_{name.upper()}") or None


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


def from_dict(data: dict, source: Path | None = None) -> Config:
    """Check every key and value of `data`; the first fault raises ConfigError naming its key."""
    where = str(source) if source else "config"
    for name, value in data.items():
        if name == "feeds":
            continue
        if name not in SECTIONS:
            raise ConfigError(f"{where}: unknown section [{name}] (known: {', '.join(SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a table")
    folder = source.parent if source else Path.cwd()
    values = {
        name: _section(_resolved(factory(), folder), data.get(name, {}), f"{where}: [{name}]", folder)
        for name, factory in SECTIONS.items()
    }
    return Config(**values, feeds=_feeds(data.get("feeds", []), where, folder), source=source)


def _feeds(entries, where: str, folder: Path) -> tuple[FeedConfig, ...]:
    """The [[feeds]] array; entries are counted from 1 in messages, as a reader counts them."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{where}: feeds must be an array of tables, written [[feeds]]")
    feeds: list[FeedConfig] = []
    for number, entry in enumerate(entries, 1):
        at = f"{where}: [[feeds]][{number}]"
        for key in ("url", "name", "section"):
            if key not in entry:
                raise ConfigError(f"{at}.{key} is required")
        feed = _section(FeedConfig(), entry, at, folder)
        if feed.is_file:
            feed = replace(feed, url=str((folder / feed.url).resolve()))
        for n, other in enumerate(feeds, 1):
            if other.name == feed.name or other.key == feed.key:
                clash = "name" if other.name == feed.name else "url"
                raise ConfigError(f"{at}.{clash}: {getattr(feed, clash)!r} is already [[feeds]][{n}]'s")
        feeds.append(feed)
    return tuple(feeds)


def _resolved(defaults, folder: Path):
    """Defaults with their relative paths made absolute against the config folder."""
    paths = {f.name: folder / getattr(defaults, f.name) for f in fields(defaults) if f.metadata["path"]}
    return replace(defaults, **paths)


def _section(defaults, data: dict, where: str, folder: Path):
    hints = typing.get_type_hints(type(defaults))
    known = {f.name: f for f in fields(defaults)}
    changes = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{where} unknown key '{key}' (known: {', '.join(known)})")
        changes[key] = _check(value, hints[key], known[key], f"{where}.{key}", folder)
    return replace(defaults, **changes)


def _check(value, hint, spec, where: str, folder: Path):
    if spec.metadata["path"]:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where} must be a non-empty path string, not {value!r}")
        return (folder / value).resolve()
    expected = {str: str, int: int, bool: bool, list: list, dict: dict}.get(hint, hint)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if not ok:
        raise ConfigError(f"{where} must be {expected.__name__}, not {type(value).__name__} ({value!r})")
    if expected is list and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    if expected is dict and not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where} values must be strings")
    problem = spec.metadata["check"] and spec.metadata["check"](value)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    return value


def reference() -> list[tuple[str, str, object, str]]:
    """(section, key, default, help) for every setting: the README's config reference."""
    rows = []
    for section, factory in SECTIONS.items():
        for f in fields(factory()):
            rows.append((section, f.name, getattr(factory(), f.name), f.metadata["help"]))
    for f in fields(FeedConfig):
        rows.append(("[feeds]", f.name, f.default, f.metadata["help"]))
    return rows
