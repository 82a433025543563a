"""A Jekyll site modelled from its source: configuration, posts, pages, static files and URLs.

Jekyll 4.3's own rules, ported (the Ruby method each function follows is named
in its docstring) so that links can be checked before a build and without Ruby.
"""

from mdnorm.jekyll.config import ConfigError, KramdownIds, SiteConfig, load_config
from mdnorm.jekyll.model import Site, SiteFile, read_site

__all__ = ["ConfigError", "KramdownIds", "Site", "SiteConfig", "SiteFile", "load_config", "read_site"]
