"""mdnorm: a linter and normalizer for Jekyll/kramdown blog posts."""

__version__ = "0.1.0"
