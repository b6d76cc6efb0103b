"""What blog platforms and newsletters wrap around the text, as data: one table per platform family.

Each family lists regular expressions (matched with `re.search`; anchor them with a
leading "^" where you can, which lets the reader try them only at the start of a line,
and keep a "|" inside a group so the anchor covers every branch):
`noise` marks a line that is never content (share bars, cookie banners, "Posted in"
tags); `thread` marks the line that opens the reader comments ("7 comments:",
"One thought on ..."), after which nothing is article text. A reader comment starts at
a `said` line ("Jane said..."). `[corpus] boilerplate` in the config adds noise
patterns of the editor's own. To teach the reader a new platform, add a family here
with a fixture page in tests/fixtures/corpus/.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple


class Family(NamedTuple):
    noise: tuple[str, ...] = ()
    thread: tuple[str, ...] = ()


_SHARE_SITES = r"(?:Twitter|Facebook|LinkedIn|WhatsApp|Reddit|Pinterest|Tumblr|Pocket|Telegram|Email|Print|X|Threads)"

FAMILIES = MappingProxyType({
    "generic": Family(
        noise=(
            r"^\+?\d[\d\s()-]{7,}\d$",  # a bare phone number
            (rf"(?i)^(?:share(?: this(?: post| article| page| story)?)?|share on {_SHARE_SITES}|tweet|pin it"
             rf"|{_SHARE_SITES}|copy link|click to (?:share|print|email)\b.*)\s*:?$"),
            r"(?i)\b(?:we use|this (?:site|website) uses) cookies\b",
            (r"(?i)^(?:accept(?: all)?(?: cookies)?|reject(?: all)?|cookie (?:settings|policy|preferences)"
             r"|manage (?:cookies|preferences)|got it!?)$"),
            (r"(?i)^(?:subscribe(?: now| to (?:our|the) newsletter| by e-?mail)?|sign up(?: for (?:our|the) newsletter)?"
             r"|unsubscribe\b.*|enter your e-?mail(?: address)?\b.*|join \d[\d,]* other (?:subscribers|followers)\b.*)$"),
            (r"(?i)^(?:home|menu|search|skip to (?:main )?content|back to top|previous(?: post)?|next(?: post)?"
             r"|older posts?|newer posts?|read more|continue reading\b.*|archives?|categories|contact(?: us)?|about(?: us)?"
             r"|log ?in|sign in|advertisement|advertise with us|sponsored)$"),
            # a navigation bar ("News | Weather | Archive"); not "By Jane Doe | 3 May 2019"
            # (each part starts and ends with a non-space, so a long line cannot make it backtrack)
            r"^(?!By\s)[^|.!?\d\s](?:[^|.!?\d]{0,38}[^|.!?\d\s])?(?: ?\| ?[^|.!?\d\s](?:[^|.!?\d]{0,38}[^|.!?\d\s])?)+ ?\|?$",
            r"\bLogo$",
            r"'s (?:picture|avatar)$",
            r"(?i)^(?:image|photo)(?: credit)?\s*(?::|by\b)",
            r"(?i)^(?:©|copyright\b)",
            r"(?i)\ball rights reserved\b",
            # newsletter furniture: how to reach or follow the editor, change address, listen
            r"(?i)^contact\b.{0,40}\b(?:e-?mail|e-address)\b",
            r"(?i)\b(?:e-?mail|tell|contact) (?:me|us) in confidence\b",
            r"(?i)\bupdate your e-?mail address\b",
            r"(?i)^follow (?:us|me) on\b",
            r"(?i)^please share\b",
            r"(?i)^listen to (?:today's|this|the)\b",
            r"(?i)^(?:forward (?:this|to a friend)\b|view (?:this e-?mail )?in (?:your )?browser\b)",
        ),
    ),
    "wordpress": Family(
        noise=(
            r"^(?:Share this|Like this|Related|Reblog|Report this (?:content|ad)|Edit)\s*:?$",
            r"^(?:Like Loading|Loading)(?:\.\.\.|…)$",
            r"^Be the first to like this\.?$",
            r"^\d+ bloggers? likes? this\.?$",
            r"^(?:Posted in|Tagged|Filed under|Categories:|Tags:)\s",
            r"^Fill in your details below or click an icon to log in",
            r"^You are commenting using your\b",
            r"^Connecting to %s$",
            r"^(?:Google\+? photo|Twitter picture|Facebook photo|WordPress\.com Logo)$",
            r"^Notify me of (?:new|follow-up) (?:comments|posts)\b",
            r"^(?:Cancel reply|Post Comment|Required fields are marked \*)$",
            r"^(?:Email|Name|Website|Comment)(?: \(required\))?\s*\*?$",
            r"^(?:Blog at|Create a (?:free )?website or blog at) WordPress\.com\.?$",
        ),
        thread=(
            r"^(?:One|\d+) (?:thoughts?|responses?|repl(?:y|ies)|comments?) (?:on|to)\b",
            r"^Leave a (?:Reply|comment)\b",
        ),
    ),
    "blogger": Family(
        noise=(
            r"^Posted by .{1,60} at \d{1,2}[:.]\d{2}(?:\s*[AaPp][Mm])?$",
            r"^(?:Email This\s*)?BlogThis!",
            r"^Share to (?:Twitter|Facebook|Pinterest)$",
            r"^Labels?:\s",
            r"^(?:Newer Post|Older Post|Home)(?:\s+(?:Newer Post|Older Post|Home))*$",
            r"^Subscribe to:\s*Post(?: Comment)?s?\b",
            r"^Powered by Blogger\.?$",
            r"^(?:Reply|Delete|ReplyDelete|Replies)$",
        ),
        thread=(r"^(?:No|\d+) comments?:?$", r"^Post a Comment$"),
    ),
    "drupal": Family(
        noise=(
            r"^Shared Topic Areas:",
            r"^(?:Log in|Login) (?:or register )?to post comments$",
            r"^Printer-friendly version$",
            r"^Permalink$",
            r"^\d+ reads?$",
        ),
        thread=(r"^Add new comment$", r"^Comments$"),
    ),
    "medium": Family(
        noise=(
            r"^\d+(?:\.\d+)?K?$",  # clap and response counts
            r"^(?:Follow|Listen|Share|Member-only story|Open in app|Get started|Recommended from Medium|--|·)$",
            r"^\d+ min read\b",
            r"^\d+(?:\.\d+)?K? Followers$",
            r"^More from .{1,80}$",
            r"^Help\s+Status\s+About\b",
        ),
        thread=(r"^Responses \(\d+\)$", r"^(?:No|\d+) responses?$"),
    ),
    "substack": Family(
        noise=(
            r"^(?:Like|Comment|Restack|Share this post|Get the app|Start Writing|Ready for more\?|Notes)$",
            r"^Type your email(?:\.\.\.|…)?$",
            r"^Discover more from .{1,80}$",
            r"^Already have an account\? Sign in$",
            r"^Privacy\s*∙\s*Terms\b",
            r"^Substack is the home for great\b",
            r"^A guest post by$",
        ),
        thread=(r"^(?:\d+ )?Comments?$", r"^Top\s+New\s+Community$"),
    ),
})  # fmt: skip

# A reader comment's first line: "Jane Doe said..." (Blogger), "Jane Doe says:" (WordPress).
SAID = r"^(?P<name>.{1,60}?)\s+(?:said(?:\.\.\.|…|:)|says:)$"


def noise_patterns() -> tuple[str, ...]:
    return tuple(p for family in FAMILIES.values() for p in family.noise)


def thread_patterns() -> tuple[str, ...]:
    return tuple(p for family in FAMILIES.values() for p in family.thread)
