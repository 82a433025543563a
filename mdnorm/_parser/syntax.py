"""kramdown's block syntax as regular expressions (kramdown 2.4, kramdown-parser-gfm 1.1).

One place for the patterns, so the state, the parser and each block rule read the same grammar."""

from __future__ import annotations

import re

BLANK_OR_END = re.compile(r"[ \t]*(?:\n|$)")
# kramdown's block boundary at a line start: a blank line, an IAL line, an
# end-of-block marker ``^``, or the end of the text.
IAL_LINE = re.compile(r" {0,3}\{:(?!:|/)[^\n]*\}[ \t]*(?:\n|$)")
EOB_LINE = re.compile(r"\^[ \t]*(?:\n|$)")
# kramdown extension blocks: {::comment} ... {:/comment} or {:/}
EXT_START = r"^ {0,3}\{::(?P<ext_1>comment|nomarkdown|options)(?P<ext_2>[^}\n]*)\}[ \t]*$"
# Liquid blocks whose content Jekyll does not treat as Markdown.
LIQUID_START = r"^ {0,3}\{%-?[ \t]*(?P<liquid_1>highlight|raw|comment)\b[^\n]*?-?%\}"
LIQUID_END = {
    "highlight": re.compile(r"\{%-?[ \t]*endhighlight[ \t]*-?%\}[^\n]*(?:\n|$)"),
    "raw": re.compile(r"\{%-?[ \t]*endraw[ \t]*-?%\}[^\n]*(?:\n|$)"),
    "comment": re.compile(r"\{%-?[ \t]*endcomment[ \t]*-?%\}[^\n]*(?:\n|$)"),
}

# -- kramdown's block syntax (kramdown 2.4, kramdown-parser-gfm 1.1) ---------
ATX = r"^(?P<atx_1>#{1,6})(?P<atx_2>[ \t][^\n]*)$"
HEADER_ID = re.compile(r"[\t ]\{#[A-Za-z_][\w.:-]*\}$")
ATX_CLOSE = re.compile(r"[\t ]#+$")
SETEXT_UNDERLINE = re.compile(r"[-=]+[ \t\f\v]*$")
FENCE = r"^ {0,3}(?P<fenced_2>[~`]{3,})"
FENCE_RUN = re.compile(r" {0,3}([~`]{3,})")
FENCE_ONLY = re.compile(r"^ {0,3}([~`]{3,})[ \t\f\v]*$", re.M)
LIST = r"^(?P<list_1> {0,3})(?P<list_2>[\*\+-]|\d{1,9}[.])(?P<list_3>[ \t][^\n]*)$"
NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
HTML_START = r"^ {0,3}<(?:!--|" + NAME + ")"
HTML_TAG = re.compile(r"<(" + NAME + r")((?:\s+" + NAME + r"(?:\s*=\s*(?:\w+|\"[^\"]*\"|'[^']*'))?)*)\s*(/)?>", re.S)
HTML_CLOSE = re.compile(r"</(" + NAME + r")\s*>")
HTML_RAW_START = re.compile(r"<(?:" + NAME + r"|/|!--|\?)")
HTML_LINE_START = re.compile(r" {0,3}</?(" + NAME + ")")
TRAILING_WS_NL = re.compile(r"[ \t]*\n")
SPAN_ELEMENTS = frozenset(
    """a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark
    option q rb rbc rp rt rtc ruby samp select small span strong sub sup tt u var""".split()
)
NO_BODY = frozenset("area base br col command embed hr img input keygen link meta param source track wbr".split())
# (The lookahead for any "|" first: the table rule is tried at every line start
# that no other rule takes, and most lines hold no "|" at all.)
TABLE = r"^ {0,3}(?=\S)(?=[^\n]*\|)(?:\||[^\n]*?[^\\\n]\|)[^\n]*$"
TABLE_LINE = re.compile(r"(?:\||[^\n]*?[^\\\n]\|)")
# kramdown's separator lines ``[+|: \t-]*?-[+|: \t-]*?[ \t]*$`` (and ``=`` for a footer):
# only those characters, at least one dash.  Written as a lookahead for the dash
# and one greedy class, as the lazy form is quadratic in a long ``|-|-...x`` line.
TABLE_SEP = re.compile(r"(?=[^-]*-)[+|: \t-]*$")
TABLE_FSEP = re.compile(r"(?=[^=]*=)[+|: \t=]*$")
