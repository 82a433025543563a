"""A hypothesis state machine over a small Jekyll site: cached runs must answer exactly as cold runs.

The site lives in a temporary folder (``_config.yml``, ``.mdnorm.toml``,
``_layouts/post.html``, ``_posts/`` with 2–5 posts built from pieces that hit
the site-wide and fixable rules).  Each step is something a user or a tool does
to a blog: a lint, ``--diff``, ``--check``, ``--fix`` (safe or unsafe), an
editor's stdin fix, an edit, a new, renamed (re-dated) or deleted post, two posts
of equal size swapping contents with their mtimes kept (as ``mv``, ``cp -p`` and
``rsync -a`` leave them), a touch that keeps the mtime, a config change, a layout
added or removed, ``--add-baseline``, a damaged site index.  mdnorm always runs as
a real subprocess in the site folder, with a timeout.

After every step:

1. ``mdnorm --output-format json _posts`` (with ``.mdnorm_cache/``) prints and
   exits exactly as the same command with ``--no-cache``;
2. ``mdnorm --check _posts`` exits 1 exactly when ``mdnorm --fix --no-cache`` on a
   copy of the site changes a file, and names exactly those files.

The cache (``.mdnorm_cache/`` in the site, or a user cache folder: each run gets
one of its own beside the site) is saved before these checks and put back after
each cached run, so checking never writes the cache under test: only the steps
do, and a step can meet a cache that lacks an entry.

And from ``--add-baseline`` on, a plain lint exits 0 for as long as only runs
that write no post (a lint, ``--diff``, ``--check``, a stdin fix), a touch that
changes nothing, or damage to the cache follow: any other step may bring a new
problem.

``tests/test_state.py`` runs a quick profile in CI; ``fuzz/state_machine.py
--minutes N`` runs it for as long as you like.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

#: Every mdnorm run in the machine is given this long; a hang fails the step, it never stalls CI.
RUN_TIMEOUT = 120
#: The runs' racy window (``MDNORM_RACY_MS``): short, so remembered answers are used and checked.
RACY_MS = 50

# -- the pieces posts are built from ------------------------------------------------------------

# github.com is a known https host (HT001's fix is safe), example.org is not (unsafe);
# few paths, so the same URL comes back within a post (DL001) and across posts (DL002)
URLS = st.builds(
    "{}{}".format,
    st.sampled_from(["http://github.com/u/", "http://example.org/", "https://x.example.com/"]),
    st.sampled_from(["a", "b", "c"]),
)
TITLES = st.sampled_from(["Title", "Other title", "Title  "])
# what lies between a URL line and its title: glued, the one blank line, too many
GAPS = st.sampled_from(["", "\n", "\n\n"])
LINK_ENTRY = st.builds(
    lambda url, space, gap, title: f"{url}{space}\n{gap}{title}\n",
    URLS,
    st.sampled_from(["", "  "]),
    GAPS,
    TITLES,
)
OTHER_PIECES = st.sampled_from(
    [
        "# Heading\n",
        "## Part\n",
        "#### Too deep\n",
        "#Not a heading\n",
        "text\n",
        "text with trailing spaces   \n",
        "\n\n",  # extra blank lines
        "* toc\n{:toc}\n",
        "http://example.org/alone\n",  # a URL line without a title
    ]
)
PIECE = st.one_of(LINK_ENTRY, LINK_ENTRY, OTHER_PIECES)
# category spellings that differ only by case or spacing (FM006), and None: no category line
CATEGORY = st.sampled_from([None, "DL", "dl", "D L", "NLP"])


@st.composite
def posts(draw: st.DrawFn) -> str:
    """One post: front matter with or without title/category, then a body of pieces."""
    lines = ["---"]
    layout = draw(st.sampled_from(["post", "post", "page", None]))
    if layout is not None:
        lines.append(f"layout: {layout}")
    if draw(st.booleans()):
        lines.append("title: A post" + draw(st.sampled_from(["", " "])))  # a trailing space is FM004
    category = draw(CATEGORY)
    if category is not None:
        lines.append(f"category: {category}")
    lines.append("---")
    body = "\n".join(draw(st.lists(PIECE, min_size=1, max_size=5)))
    text = "\n".join(lines) + "\n\n" + body
    return text if draw(st.booleans()) else text.rstrip("\n")  # no final newline: WS002


DATES = st.tuples(st.integers(2018, 2020), st.integers(1, 12), st.integers(1, 28))
CONFIGS = [
    "",
    'ignore = ["HT001"]\n',
    'ignore = ["DL002", "FM006"]\n',
    'select = ["DL", "FM", "WS"]\n',
    'extend-select = ["ALL"]\nignore = ["WS003"]\n',
    '[https]\nknown-hosts = ["example.org"]\n',
    '[front-matter]\nlayouts = ["post", "page"]\n',
]
MAX_POSTS = 5
#: beside the site: the user cache folder of its runs (where a cache outside the project lives)
CACHE_HOME = "cache-home"


#: The socket folder (``MDNORM_DAEMON_DIR``) of an ``mdnorm daemon`` that serves the machine's runs;
#: None: every run is a plain one (``MDNORM_NO_DAEMON``), whatever daemon the user may run.
DAEMON_DIR: str | None = None


def environ(cwd: Path) -> dict[str, str]:
    """The environment of a run in ``cwd``: a user cache folder (``XDG_CACHE_HOME``) of its own
    beside it, so a cache kept outside the project is the machine's too, and nothing the user's
    environment says about caches, colors, configuration or daemons."""
    drop = ("CI", "FORCE_COLOR", "MDNORM_CONFIG", "MDNORM_CACHE_DIR", "MDNORM_NO_DAEMON", "MDNORM_DAEMON_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(NO_COLOR="1", XDG_CACHE_HOME=str(cwd.parent / CACHE_HOME), MDNORM_RACY_MS=str(RACY_MS))
    if DAEMON_DIR is None:
        env["MDNORM_NO_DAEMON"] = "1"
    else:
        env["MDNORM_DAEMON_DIR"] = DAEMON_DIR
    return env


def mdnorm(cwd: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run ``python -m mdnorm ARGS`` in ``cwd``: (exit code, stdout, stderr)."""
    return mdnorm_all([(cwd, args)], stdin)[0]


def mdnorm_all(runs: list[tuple[Path, tuple[str, ...]]], stdin: bytes | None = None) -> list[tuple[int, str, str]]:
    """Several mdnorm runs at once (the machine's cores are its speed); each is killed after RUN_TIMEOUT.

    Each starts past the racy window of the last change, so that what a run remembers (results,
    site-wide results, the site model) is trusted by the next and compared with a cold run."""
    time.sleep(RACY_MS / 1000 + 0.01)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mdnorm", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environ(cwd),
        )
        for cwd, args in runs
    ]
    results = []
    try:
        for proc, (_cwd, args) in zip(procs, runs, strict=True):
            raw_out, raw_err = proc.communicate(stdin or b"", timeout=RUN_TIMEOUT)
            out, err = raw_out.decode("utf-8", "replace"), raw_err.decode("utf-8", "replace")
            assert "Traceback" not in err, err
            assert proc.returncode in (0, 1), f"mdnorm {' '.join(args)} exited {proc.returncode}:\n{out}\n{err}"
            results.append((proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return results


def snapshot(root: Path) -> dict[str, bytes]:
    """Every post's bytes, by path relative to ``root``."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "_posts").iterdir())}


class SiteMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="mdnorm-state-"))
        self.root = self.tmp / "site"
        (self.root / "_posts").mkdir(parents=True)
        (self.root / "_layouts").mkdir()
        (self.root / "_config.yml").write_text("title: A blog\n", encoding="utf-8")
        (self.root / "_layouts" / "post.html").write_text("{{ content }}\n", encoding="utf-8")
        # always a config file at the site root: nothing above the temporary folder is ever read
        (self.root / ".mdnorm.toml").write_text("", encoding="utf-8")
        self.names: list[str] = []  # the posts, as paths relative to the site root
        self.serial = 0  # names stay unique: a post's slug is p<serial>
        self.baselined = False  # --add-baseline ran and nothing that may add a problem happened since

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------

    def _new_name(self, date: tuple[int, int, int], ext: str = ".md") -> str:
        self.serial += 1
        y, m, d = date
        return f"_posts/{y}-{m}-{d}-p{self.serial}{ext}"

    def _path(self, i: int) -> Path:
        return self.root / self.names[i % len(self.names)]

    def _changed(self) -> None:
        """A post, the configuration, a layout or the baseline changed: new problems may exist."""
        self.baselined = False

    def _copy(self, name: str) -> Path:
        """A fresh copy of the site, without its cache (and a user cache folder of its own)."""
        copy = self.tmp / "copies" / name
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(self.root, copy, ignore=shutil.ignore_patterns(".mdnorm_cache"))
        return copy

    def _cache_folders(self) -> list[Path]:
        """Where mdnorm may keep state between runs: in the project, or in the user cache folder."""
        return [self.root / ".mdnorm_cache", self.tmp / CACHE_HOME]

    def _save_cache(self) -> Path:
        saved = self.tmp / "saved-cache"
        shutil.rmtree(saved, ignore_errors=True)
        saved.mkdir()
        for i, folder in enumerate(self._cache_folders()):
            if folder.exists():
                shutil.copytree(folder, saved / str(i))
        return saved

    def _restore_cache(self, saved: Path) -> None:
        for i, folder in enumerate(self._cache_folders()):
            shutil.rmtree(folder, ignore_errors=True)
            if (saved / str(i)).exists():
                shutil.copytree(saved / str(i), folder)

    def _equal_size_pairs(self) -> list[tuple[str, str]]:
        sizes = {name: (self.root / name).stat().st_size for name in self.names}
        return [(a, b) for a in self.names for b in self.names if a < b and sizes[a] == sizes[b]]

    # -- the site -----------------------------------------------------------------------------

    @initialize(texts=st.lists(posts(), min_size=2, max_size=MAX_POSTS), dates=st.lists(DATES, min_size=MAX_POSTS))
    def site(self, texts: list[str], dates: list[tuple[int, int, int]]) -> None:
        for text, date in zip(texts, dates, strict=False):
            name = self._new_name(date)
            (self.root / name).write_text(text, encoding="utf-8")
            self.names.append(name)

    # -- runs ---------------------------------------------------------------------------------

    @rule(output=st.sampled_from(["text", "json"]))
    def lint(self, output: str) -> None:
        mdnorm(self.root, "--output-format", output, "_posts")

    @rule(unsafe=st.booleans())
    def diff(self, unsafe: bool) -> None:
        mdnorm(self.root, "--diff", *(["--unsafe-fixes"] if unsafe else []), "_posts")

    @rule(unsafe=st.booleans())
    def check(self, unsafe: bool) -> None:
        mdnorm(self.root, "--check", *(["--unsafe-fixes"] if unsafe else []), "_posts")

    @rule(unsafe=st.booleans())
    def fix(self, unsafe: bool) -> None:
        mdnorm(self.root, "--fix", *(["--unsafe-fixes"] if unsafe else []), "_posts")
        self._changed()

    @rule(i=st.integers(0, MAX_POSTS - 1))
    def stdin_fix(self, i: int) -> None:
        """An editor's fix-on-save: the buffer on stdin, the fixed text on stdout, no file written."""
        path = self._path(i)
        name = path.relative_to(self.root).as_posix()
        mdnorm(self.root, "--fix", "--stdin-filename", name, "-", stdin=path.read_bytes())

    @rule()
    def add_baseline(self) -> None:
        mdnorm(self.root, "--add-baseline", "_posts")
        # right after recording, nothing is new (cold: the cached answer is the invariant's business)
        code, out, err = mdnorm(self.root, "--no-cache", "_posts")
        assert code == 0, f"a lint right after --add-baseline found problems:\n{out}{err}"
        self.baselined = True

    @precondition(lambda self: (self.root / ".mdnorm-baseline.json").exists())
    @rule()
    def remove_baseline(self) -> None:
        (self.root / ".mdnorm-baseline.json").unlink()
        self._changed()

    # -- changes to the site ------------------------------------------------------------------

    @rule(i=st.integers(0, MAX_POSTS - 1), text=posts())
    def edit(self, i: int, text: str) -> None:
        self._path(i).write_text(text, encoding="utf-8")
        self._changed()

    @precondition(lambda self: len(self.names) < MAX_POSTS)
    @rule(text=posts(), date=DATES, ext=st.sampled_from([".md", ".markdown"]))
    def add(self, text: str, date: tuple[int, int, int], ext: str) -> None:
        name = self._new_name(date, ext)
        (self.root / name).write_text(text, encoding="utf-8")
        self.names.append(name)
        self._changed()

    @rule(i=st.integers(0, MAX_POSTS - 1), date=DATES)
    def rename(self, i: int, date: tuple[int, int, int]) -> None:
        """A new date in the name (``mv`` keeps content and mtime): DL002 and FM006 order by date."""
        old = self.names[i % len(self.names)]
        new = self._new_name(date, Path(old).suffix)
        os.rename(self.root / old, self.root / new)
        self.names[i % len(self.names)] = new
        self._changed()

    @precondition(lambda self: len(self.names) > 1)
    @rule(i=st.integers(0, MAX_POSTS - 1))
    def delete(self, i: int) -> None:
        (self.root / self.names.pop(i % len(self.names))).unlink()
        self._changed()

    @precondition(lambda self: len(self.names) > 1)
    @rule(i=st.integers(0, MAX_POSTS - 1), j=st.integers(1, MAX_POSTS - 1))
    def pad_to_equal_size(self, i: int, j: int) -> None:
        """Make two posts the same size (a text line at the end of the shorter), so they can swap."""
        a = self._path(i)
        b = self.root / self.names[(i + j) % len(self.names)]
        if a == b:
            return
        short, long = sorted((a, b), key=lambda p: p.stat().st_size)
        missing = long.stat().st_size - short.stat().st_size
        text = short.read_bytes()
        if missing and not text.endswith(b"\n"):
            text, missing = text + b"\n", missing - 1
        short.write_bytes(text + (b"x" * (missing - 1) + b"\n" if missing else b""))
        self._changed()

    @precondition(lambda self: bool(self._equal_size_pairs()))
    @rule(data=st.data())
    def swap_keeping_mtimes(self, data: st.DataObject) -> None:
        """Two posts of equal size swap contents; each keeps its own mtime (to the nanosecond)."""
        self.swap(*data.draw(st.sampled_from(self._equal_size_pairs()), label="pair"))

    def swap(self, a: str, b: str) -> None:
        """Swap the contents of posts ``a`` and ``b`` (paths from the site root), keeping their mtimes."""
        pa, pb = self.root / a, self.root / b
        sa, sb = pa.stat(), pb.stat()
        ta, tb = pa.read_bytes(), pb.read_bytes()
        pa.write_bytes(tb)
        pb.write_bytes(ta)
        os.utime(pa, ns=(sa.st_atime_ns, sa.st_mtime_ns))
        os.utime(pb, ns=(sb.st_atime_ns, sb.st_mtime_ns))
        self._changed()

    @rule(i=st.integers(0, MAX_POSTS - 1))
    def touch_same_mtime(self, i: int) -> None:
        """Rewrite a post with its own bytes and put its mtime back: nothing changed."""
        path = self._path(i)
        st_ = path.stat()
        path.write_bytes(path.read_bytes())
        os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns))

    @rule(config=st.sampled_from(CONFIGS))
    def configure(self, config: str) -> None:
        (self.root / ".mdnorm.toml").write_text(config, encoding="utf-8")
        self._changed()

    @rule(name=st.sampled_from(["post.html", "page.html"]))
    def toggle_layout(self, name: str) -> None:
        path = self.root / "_layouts" / name
        if path.exists():
            path.unlink()
        else:
            path.write_text("{{ content }}\n", encoding="utf-8")
        self._changed()

    @rule(how=st.sampled_from(["delete", "truncate", "garbage"]))
    def damage_site_index(self, how: str) -> None:
        """What a full disk or a killed run can leave of the site index (``linkindex.json``)."""
        found = [p for folder in self._cache_folders() for p in sorted(folder.rglob("linkindex.json"))]
        if not found:
            return  # no index file (none yet, or the cache keeps it in another form)
        index = found[0]
        if how == "delete":
            index.unlink()
        elif how == "truncate":
            index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
        else:
            index.write_text('{"version": 1, "files": 7}', encoding="utf-8")

    # -- what must hold after every step ------------------------------------------------------

    @invariant()
    def cache_changes_nothing(self) -> None:
        if not self.names:
            return  # before the site is built
        # The cached runs read the cache as the steps left it, and it is put back after each, so
        # checking never changes the state under test: only the steps write the cache.  A cold --fix
        # runs on a copy of the site without it.
        fixed = self._copy("fixed")
        before = snapshot(fixed)
        saved = self._save_cache()
        json_lint = ("--output-format", "json", "_posts")
        cold_fix = (fixed, ("--fix", "--no-cache", "_posts"))
        cached, cold, _fix = mdnorm_all([(self.root, json_lint), (self.root, ("--no-cache", *json_lint)), cold_fix])
        self._restore_cache(saved)
        code, out, _err = mdnorm(self.root, "--check", "_posts")
        self._restore_cache(saved)
        # (1) the cached answer is the cold answer
        assert cached == cold, f"cached run {cached!r}\n!= --no-cache run {cold!r}"
        # the baseline still hides everything while nothing that may add a problem happened
        assert not self.baselined or cold[0] == 0, f"baselined, nothing changed, yet:\n{cold[1]}{cold[2]}"
        # (2) --check (cached) says a file would change exactly when a cold --fix changes it
        named = {line.removeprefix("Would fix: ") for line in out.splitlines() if line.startswith("Would fix: ")}
        changed = {name for name, data in snapshot(fixed).items() if data != before[name]}
        assert (code == 1) == bool(changed), f"--check exited {code}, a cold --fix changed {sorted(changed)}"
        assert named == changed, f"--check named {sorted(named)}, a cold --fix changed {sorted(changed)}"
