"""The daemon's warm-up: import and exercise everything a check uses, then forget what it saw.

Imports alone are half of the set-up a run pays; the rest is lazy: regexes
compiled on first use (mistune's, the rules'), tables built on first call.  So
the warm-up runs real checks (lint, ``--diff``, ``--fix``, each output format)
over a throwaway site in a temporary folder, with its cache in that folder too,
then deletes the folder and clears every cache of mdnorm's modules (each
``lru_cache`` and the nested-config table): they are keyed by paths and
configurations, and nothing the warm-up saw may reach a served run.  What stays
is what depends on nothing but the installed code.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import os
import tempfile
from typing import Any

from mdnorm.caches import forget_caches

#: Modules a check may import lazily, imported up front (the check runs below import the rest).
MODULES = (
    "mdnorm.cli",
    "mdnorm.commands.check",
    "mdnorm.commands.rule",
    "mdnorm.runner",
    "mdnorm.pool",
    "mdnorm.store",
    "mdnorm.baseline",
    "mdnorm.report",
    "mdnorm.errors",
    "multiprocessing",
    "multiprocessing.connection",
    "sqlite3",
    "difflib",
    "json",
    "traceback",
)

POST = f"""---
layout: post
title: Warm up
category: warm
---

# Heading

text with trailing spaces{"   "}



http://example.org/x

Title

[a link](https://example.com/a) and [another][ref].

[ref]: https://example.com/b
"""

#: The runs of the warm-up: (extra options); each over the throwaway site.
RUNS: tuple[tuple[str, ...], ...] = (
    ("--output-format", "full"),
    ("--output-format", "json"),
    ("--output-format", "concise", "--statistics"),
    ("--diff",),
    ("--fix", "--show-fixes"),
    ("--no-cache",),
)


def run_quietly(args: list[str]) -> None:
    """One in-process ``mdnorm`` run, its output thrown away."""
    from mdnorm.cli import main

    sink: Any = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), contextlib.suppress(SystemExit):
        main(args=args, prog_name="mdnorm", standalone_mode=False)


def warm_up() -> None:
    """Import, run the checks over a throwaway site, delete it, forget; environment and folder restored."""
    import shutil

    for name in MODULES:
        importlib.import_module(name)
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    folder = tempfile.mkdtemp(prefix="mdnorm-warmup-")
    try:
        site = os.path.join(folder, "site")
        os.makedirs(os.path.join(site, "_posts"))
        os.makedirs(os.path.join(site, "_layouts"))
        with open(os.path.join(site, "_config.yml"), "w", encoding="utf-8") as fh:
            fh.write("permalink: date\n")
        with open(os.path.join(site, "_layouts", "post.html"), "w", encoding="utf-8") as fh:
            fh.write("{{ content }}\n")
        for day in (1, 2):
            with open(os.path.join(site, "_posts", f"2020-01-0{day}-warm.md"), "w", encoding="utf-8") as fh:
                fh.write(POST)
        os.environ.pop("MDNORM_CONFIG", None)
        os.environ.update(XDG_CACHE_HOME=os.path.join(folder, "cache-home"), NO_COLOR="1")
        os.chdir(site)
        cache = os.path.join(folder, "cache")
        for extra in RUNS:
            run_quietly(["-j", "1", "--cache-dir", cache, *extra, "_posts"])
        run_quietly(["rule", "LE001"])
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        shutil.rmtree(folder, ignore_errors=True)
    forget_caches()
    gc.collect()
    gc.freeze()  # what is left is shared by every child: keep the collector from touching (copying) it
