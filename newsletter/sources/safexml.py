"""A SAX driver for feedparser that refuses every XML entity declaration.

feedparser keeps some entity declarations and hands them to expat, which expands
them: a few lines of DTD can grow into gigabytes ("billion laughs"), and an external
entity names a file or URL to read. Feeds have no use for either, so any declaration
stops the strict parse with a SAXParseException; feedparser then falls back to its
loose parser, which never expands declared entities or reads anything, and marks the
feed "bozo" with this message, which the user sees as one warning line.

feedparser finds this module by name through `feedparser.api.PREFERRED_XML_PARSERS`.
"""

from __future__ import annotations

from xml.sax import SAXParseException
from xml.sax.expatreader import ExpatParser

REFUSED = "XML entity declarations are refused"


class EntityRefusingParser(ExpatParser):
    def reset(self) -> None:
        super().reset()
        self._parser.EntityDeclHandler = self._refuse

    def _refuse(self, name, *_details) -> None:
        raise SAXParseException(f"{REFUSED} ({name!r})", None, self)


def create_parser(*args, **kwargs) -> EntityRefusingParser:
    return EntityRefusingParser(*args, **kwargs)
