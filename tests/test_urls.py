"""URL keys: DL001's normalisation and the coarse key that lets it skip most of the work."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mdnorm.urls import coarse_key, is_local_host, normalize

schemes = st.sampled_from(["http://", "https://", "HTTP://", ""])
hosts = st.sampled_from(["a.com", "A.com", "u@a.com", "a.com:80", "a.com:443", "a.com:8080", "[::1]", "b.org"])
paths = st.sampled_from(["", "/", "/x", "/x/", "/X", "/x?utm_a=1", "/x?b=2&utm_c=3", "/x#f", "/x?b=2#f", "/%41"])
urls = st.builds(lambda s, h, p: s + h + p, schemes, hosts, paths)


@settings(max_examples=500)
@given(urls, urls)
def test_coarse_key_never_separates_urls_that_normalize_alike(a: str, b: str) -> None:
    if normalize(a) == normalize(b):
        assert coarse_key(a) == coarse_key(b)


def test_normalize_treats_the_documented_differences_as_the_same_url() -> None:
    base = normalize("https://example.com/a")
    for variant in (
        "http://example.com/a",
        "https://EXAMPLE.com/a",
        "https://example.com:443/a",
        "http://example.com:80/a/",
        "https://example.com/a?utm_source=x&utm_medium=y",
    ):
        assert normalize(variant) == base, variant
    assert normalize("https://example.com/a?id=1") != base
    assert normalize("https://example.com/b") != base


def test_local_hosts_are_the_special_use_names_and_private_addresses() -> None:
    local = ["localhost", "a.test", "test", "x.example", "x.invalid", "a.localhost", "nas.local.", "[fe80::1]"]
    local += ["10.1.2.3", "192.168.0.1", "172.31.0.1", "127.0.0.1", "[::1]", "0.0.0.0", "x.home.arpa", "X.TEST"]
    assert all(is_local_host(h) for h in local)
    public = ["example.com", "contest.org", "a.testing", "local.com", "8.8.8.8", "latest", "examples.org"]
    assert not any(is_local_host(h) for h in public)
