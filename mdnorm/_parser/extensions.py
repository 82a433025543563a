"""kramdown's and Jekyll's own blocks: ``$$`` math, IAL and end-of-block lines,
``{::comment}`` extensions and the Liquid blocks whose content is not Markdown."""

from __future__ import annotations

import re
from re import Match

from mistune.block_parser import BlockParser
from mistune.core import BlockState

from mdnorm._parser.state import State
from mdnorm._parser.syntax import BLANK_OR_END, LIQUID_END


def parse_math(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    assert isinstance(state, State)
    if not state.after_boundary(m.start()):
        return None
    src = state.src
    close = src.find("$$", m.end())
    if close < 0:
        return None
    bm = BLANK_OR_END.match(src, close + 2)
    if bm is None:
        return None  # text after the closing $$: inline math in a paragraph
    end = bm.end()
    if not state.before_boundary(end):
        return None
    state.append_token({"type": "block_math", "raw": src[m.end() : close]})
    return end


def parse_ial(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    state.append_token({"type": "ial"})
    return state.find_line_end_at(m.start())


def parse_eob(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    state.append_token({"type": "eob"})
    return state.find_line_end_at(m.start())


def parse_ext(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    assert isinstance(state, State)
    if state.last_is_paragraph() and not state.after_boundary(m.start()):
        return None  # kramdown: an extension tag does not end a paragraph
    name = m.group("ext_1")
    if m.group("ext_2").rstrip().endswith("/"):
        state.append_token({"type": "kd_extension", "name": name})
        return state.find_line_end_at(m.start())
    end_re = re.compile(r"^ {0,3}\{:/(?:" + name + r")?\}[ \t]*(?:\n|$)", re.M)
    em = end_re.search(state.src, m.end())
    if em is None:
        return None  # kramdown: no stop tag, no extension (the line is text)
    end = em.end()
    state.append_token({"type": "kd_extension", "name": name})
    return end


def parse_liquid(parser: BlockParser, m: Match[str], state: BlockState) -> int | None:
    em = LIQUID_END[m.group("liquid_1")].search(state.src, m.end())
    end = em.end() if em else state.cursor_max
    state.append_token({"type": "liquid_block", "name": m.group("liquid_1")})
    return end
