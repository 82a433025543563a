"""The results cache: what invalidates it, what survives damage, what it avoids."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mdnorm
from mdnorm import resultcache
from mdnorm.config import Config
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

    def get(self, key: str, path: str):  # type: ignore[no-untyped-def]
        found = super().get(key, path)
        if found is not None:
            Spy.hits += 1
        return found


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[Spy]:
    Spy.hits = 0
    monkeypatch.setattr(resultcache, "ResultCache", Spy)
    return Spy


def test_second_run_is_answered_from_cache_with_same_results(tmp_path: Path, spy: type[Spy]) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    first = run_files(files, cfg, jobs=1)
    assert spy.hits == 0
    assert (tmp_path / ".mdnorm_cache" / ".gitignore").read_text().strip().endswith("*")
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


def test_new_version_invalidates(tmp_path: Path, spy: type[Spy], monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    run_files(files, cfg, jobs=1)
    monkeypatch.setattr(resultcache, "__version__", mdnorm.__version__ + ".post1")
    run_files(files, cfg, jobs=1)
    assert spy.hits == 0


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"version": "0", "entries": {}}', b"[1, 2]"])
def test_corrupt_cache_is_ignored_and_rebuilt(tmp_path: Path, spy: type[Spy], damage: bytes) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path)
    clean = run_files(files, cfg, jobs=1)
    cache_file = tmp_path / ".mdnorm_cache" / "results-v1.json"
    cache_file.write_bytes(damage)
    again = run_files(files, cfg, jobs=1)
    assert spy.hits == 0
    assert _codes(again) == _codes(clean)
    assert json.loads(cache_file.read_text())["version"] == mdnorm.__version__


def test_damaged_entry_is_recomputed(tmp_path: Path, spy: type[Spy]) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path, 1)
    clean = run_files(files, cfg, jobs=1)
    cache_file = tmp_path / ".mdnorm_cache" / "results-v1.json"
    data = json.loads(cache_file.read_text())
    for key in data["entries"]:
        data["entries"][key] = [["bad"]]
    cache_file.write_text(json.dumps(data))
    assert _codes(run_files(files, cfg, jobs=1)) == _codes(clean)


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    files = _site(tmp_path)
    run_files(files, Config(root=str(tmp_path)), use_cache=False, jobs=1)
    assert not (tmp_path / ".mdnorm_cache").exists()


def test_fix_mode_uses_cache_only_when_nothing_is_fixable(tmp_path: Path, spy: type[Spy]) -> None:
    cfg = Config(root=str(tmp_path))
    files = _site(tmp_path, 1)
    run_files(files, cfg, jobs=1)  # lint: FM004 and HT001 are fixable -> cached
    fixed = run_files(files, cfg, Mode.FIX, jobs=1)
    assert fixed[0].written
    assert "category: C\n" in Path(files[0]).read_text(encoding="utf-8")
    spy.hits = 0
    after = run_files(files, cfg, jobs=1)  # the fixed content was cached by the fix run
    assert spy.hits == 1
    assert "FM004" not in _codes(after)[0]


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
