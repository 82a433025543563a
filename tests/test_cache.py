"""The results memo: what invalidates it, what survives damage, what it never stores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mdnorm
from mdnorm import project, resultcache, runner, storefile
from mdnorm.config import Config
from mdnorm.project import cache_folder
from mdnorm.runner import Mode, run_files

POST = "---\nlayout: post\ntitle: T\ncategory: C \n---\n\n* toc\n{:toc}\n\n# A\n\nhttp://example.com/x\n\ntitle\n"


def _site(tmp_path: Path, n: int = 3) -> list[str]:
    files = []
    for i in range(n):
        p = tmp_path / f"2020-1-{i + 1}-p.md"
        p.write_text(POST, encoding="utf-8")
        files.append(str(p))
    return files


def _codes(results: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [[d.code for d in r.diagnostics] for r in results]


class Spy(resultcache.ResultCache):
    """Counts hits, so a test can tell a cached answer from a fresh one."""

    hits = 0

    def lookup(self, path: str, data: bytes, inputs: str) -> resultcache.Remembered | None:
        found = super().lookup(path, data, inputs)
        if found is not None:
            Spy.hits += 1
        return found


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[Spy]:
    Spy.hits = 0
    monkeypatch.setattr(runner, "ResultCache", Spy)
    return Spy


def _state_file(root: Path) -> Path:
    return cache_folder(str(root)) / storefile.FILE_NAME


def test_second_run_is_answered_from_cache_with_same_results(tmp_path: Path, spy: type[Spy]) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    first = run_files(files, cfg, jobs=1)
    assert spy.hits == 0
    assert _state_file(tmp_path).is_file()
    assert not (tmp_path / ".mdnorm_cache").exists()  # nothing in the project's tree
    second = run_files(files, cfg, jobs=1)
    assert spy.hits == len(files)
    assert _codes(first) == _codes(second)
    assert [r.diagnostics for r in first] == [r.diagnostics for r in second]


def test_changed_content_invalidates(tmp_path: Path, spy: type[Spy]) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    run_files(files, cfg, jobs=1)
    Path(files[0]).write_text(POST.replace("http://", "https://"), encoding="utf-8")
    again = run_files(files, cfg, jobs=1)
    assert spy.hits == len(files) - 1
    assert "HT001" not in _codes(again)[0]
    assert "HT001" in _codes(again)[1]


def test_changed_config_invalidates(tmp_path: Path, spy: type[Spy]) -> None:
    files = _site(tmp_path)
    run_files(files, Config(root=str(tmp_path)), jobs=1)
    other = run_files(files, Config(root=str(tmp_path), ignore=("HT001",)), jobs=1)
    assert spy.hits == 0
    assert all("HT001" not in codes for codes in _codes(other))


def test_changed_code_invalidates(tmp_path: Path, spy: type[Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    run_files(files, cfg, jobs=1)
    monkeypatch.setattr(project, "code_digest", lambda: "other code")
    run_files(files, cfg, jobs=1)
    assert spy.hits == 0


def test_code_digest_covers_the_package_source_not_only_the_version() -> None:
    digest = project.code_digest()
    assert len(digest) == 32 and digest != mdnorm.__version__


@pytest.mark.parametrize("damage", [b"", b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 200])
def test_corrupt_state_file_is_ignored_and_rebuilt(tmp_path: Path, spy: type[Spy], damage: bytes) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    clean = run_files(files, cfg, jobs=1)
    state = _state_file(tmp_path)
    for extra in ("-wal", "-shm"):
        Path(f"{state}{extra}").unlink(missing_ok=True)
    state.write_bytes(damage)
    again = run_files(files, cfg, jobs=1)
    assert spy.hits == 0
    assert _codes(again) == _codes(clean)
    spy.hits = 0
    assert _codes(run_files(files, cfg, jobs=1)) == _codes(clean)
    assert spy.hits == len(files)  # rebuilt


def test_damaged_entry_is_recomputed(tmp_path: Path, spy: type[Spy]) -> None:
    import sqlite3

    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path, 1)
    clean = run_files(files, cfg, jobs=1)
    with sqlite3.connect(_state_file(tmp_path)) as db:
        db.execute("UPDATE results SET value = '[[\"bad\"]]'")
    assert _codes(run_files(files, cfg, jobs=1)) == _codes(clean)


def test_an_entry_made_elsewhere_matches_nothing(
    tmp_path: Path, spy: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder committed to the repository (or copied from another machine) is keyed
    with another user's secret: a fresh checkout reports every problem."""
    cfg = Config(root=str(tmp_path), cache_dir=str(tmp_path / "committed-cache"))
    files = _site(tmp_path)
    run_files(files, cfg, jobs=1)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-machine"))
    spy.hits = 0
    again = run_files(files, cfg, jobs=1)
    assert spy.hits == 0
    assert all("HT001" in codes for codes in _codes(again))


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    files = _site(tmp_path)
    run_files(files, Config(root=str(tmp_path)), use_cache=False, jobs=1)
    assert not _state_file(tmp_path).exists()


@pytest.mark.parametrize("mode", [Mode.FIX, Mode.DIFF, Mode.CHECK])
def test_fix_modes_never_store(tmp_path: Path, spy: type[Spy], mode: Mode) -> None:
    """What a fix, a diff or a check computes is not the lint of the bytes on disk."""
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path, 1)
    before = run_files(files, cfg, use_cache=False, jobs=1)
    run_files(files, cfg, mode, jobs=1)
    spy.hits = 0
    after = run_files(files, cfg, jobs=1)
    assert spy.hits == 0
    if mode is not Mode.FIX:
        assert [r.diagnostics for r in after] == [r.diagnostics for r in before]


def test_fix_mode_uses_cache_only_when_nothing_is_fixable(tmp_path: Path, spy: type[Spy]) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path, 1)
    run_files(files, cfg, jobs=1)  # lint: FM004 and HT001 are fixable -> remembered
    fixed = run_files(files, cfg, Mode.FIX, jobs=1)
    assert spy.hits == 1 and fixed[0].written  # the answer said "fixable": the file was processed
    assert "category: C\n" in Path(files[0]).read_text(encoding="utf-8")
    run_files(files, cfg, jobs=1)  # lint of the fixed bytes: HT001 (unsafe) only
    spy.hits = 0
    again = run_files(files, cfg, Mode.FIX, jobs=1)
    assert spy.hits == 1 and not again[0].written and not again[0].changed


def test_parallel_results_are_identical_and_in_order(tmp_path: Path) -> None:
    files = []
    for i in range(80):
        p = tmp_path / f"2020-2-{i + 1}-p.md"
        p.write_text(POST.replace("# A", f"# A{i}\n\n### jump") if i % 3 else POST, encoding="utf-8")
        files.append(str(p))
    cfg = Config(root=str(tmp_path))
    serial = run_files(files, cfg, use_cache=False, jobs=1)
    parallel = run_files(files, cfg, use_cache=False, jobs=2)
    assert [r.path for r in parallel] == files
    assert [r.diagnostics for r in parallel] == [r.diagnostics for r in serial]


def test_warm_run_does_not_import_the_parser(tmp_path: Path) -> None:
    _site(tmp_path)
    script = (
        "import sys\n"
        "from mdnorm.cli import main\n"
        "try:\n"
        "    main(['.'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('PARSER', 'mistune' in sys.modules, 'yaml' in sys.modules, file=sys.stderr)\n"
    )
    cold = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    warm = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "PARSER True True" in cold.stderr
    assert "PARSER False False" in warm.stderr
    assert cold.stdout == warm.stdout and "HT001" in warm.stdout
