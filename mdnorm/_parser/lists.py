"""mistune's list parser, patched where kramdown ends list items differently.

Importing this module installs the patches; they act only on this package's
states and parser, so other users of mistune in the process are unaffected."""

from __future__ import annotations

from typing import Any

from mistune import list_parser as _list_parser

from mdnorm._parser.parser import KramdownParser
from mdnorm._parser.state import State
from mdnorm.text import BLANK_CHARS

# List items: the child text of an item starts on the item's marker line (or the
# line after it when the marker has no text), and mistune gives no hook for that
# position; this wrapper records it for the child state.  It only acts on states
# of this package, so other users of mistune in the process are unaffected.
_orig_parse_list_item = _list_parser._parse_list_item


def _parse_list_item(block: Any, bullet: str, item: Any, token: Any, state: Any, rules: Any) -> Any:
    if isinstance(state, State):
        marker_line = state.line_of(max(state.cursor - 1, 0))
        if state.cursor > state.cursor_max:
            marker_line = state.line_of(state.cursor_max)
        state.pending_child_line = marker_line + (0 if item.text.strip(BLANK_CHARS + "\n") else 1)
        if bullet in ("-", r"\*", r"\+"):
            bullet = r"[\*\+-]"  # kramdown: "*", "+" and "-" items make one list
    return _orig_parse_list_item(block, bullet, item, token, state, rules)


# kramdown ends a list item only at a blank line followed by an unindented line,
# a new item, an IAL line or an HTML start tag; every other line ("# H",
# "```", "> q", "---" right under an item) is a lazy line of the item.
_orig_list_break_rules = _list_parser._get_list_break_rules


def _get_list_break_rules(block: Any) -> list[str]:
    if isinstance(block, KramdownParser):
        return ["kd_ial", "kd_html_tag"]
    return _orig_list_break_rules(block)


_list_parser._parse_list_item = _parse_list_item
_list_parser._get_list_break_rules = _get_list_break_rules
