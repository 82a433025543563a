"""The package imports and lints a minimal post."""

from mdnorm.config import Config
from mdnorm.document import Document
from mdnorm.linter import lint_document
from mdnorm.rules import Context


def test_clean_post_has_no_diagnostics() -> None:
    text = "---\nlayout: post\ntitle: T\ncategory: C\n---\n\n* toc\n{:toc}\n\n# A\n\ntext\n"
    doc = Document("p.md", text)
    assert lint_document(doc, Context(Config())) == []
