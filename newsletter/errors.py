"""One error type per stage; each message names the file, line, key or URL at fault."""


class NewsletterError(Exception):
    """Base for every error the tool reports to a user as one line."""


class ConfigError(NewsletterError):
    """config.toml cannot be read or holds a wrong key or value."""


class SourceError(NewsletterError):
    """A corpus folder or file cannot be read."""


class StoreError(NewsletterError):
    """The database cannot be opened or upgraded."""


class RenderError(NewsletterError):
    """A template is missing or broken."""


class DeliverError(NewsletterError):
    """A message cannot be built or sent."""


class AudioError(NewsletterError):
    """The audio edition cannot be made: no engine, or no section could be spoken."""
