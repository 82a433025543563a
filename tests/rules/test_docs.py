"""Every rule's docs (``mdnorm rule CODE``) say what it does, why, an example and its fix safety."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mdnorm.rules import RULES


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_doc_has_every_part(code: str) -> None:
    rule = RULES[code]
    doc = rule.doc
    assert f"({code}" in rule.summary, rule.summary
    for part in ("What it does:", "Why:", "Example", "Fix:"):
        assert part in doc, f"{code}: no {part!r} in its docs"
    fix_text = doc.split("Fix:", 1)[1].lower()
    if rule.fix == "none":
        assert fix_text.strip().startswith("none"), code
    else:
        for kind in rule.fix.split("/"):
            assert kind in fix_text, f"{code}: fix kind {kind!r} not described"


def test_the_readme_rule_table_lists_every_rule_by_its_name() -> None:
    """Adding a rule means one README row; this keeps the table and the registry in step."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| ([A-Z]{2}\d{3}) \| ([a-z0-9-]+) \|", readme, re.M))
    assert rows == {code: rule.name for code, rule in RULES.items()}
