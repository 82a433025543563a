"""URL facts shared by the link rules: normalisation and hosts known to serve https."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

#: Hosts that serve the same pages over https (checked by hand; extend with
#: ``https.known-hosts``).  An ``http://`` link to one of them is upgraded by a
#: safe fix; any other host gets an unsafe fix.
KNOWN_HTTPS_HOSTS = frozenset(
    """
    mp.weixin.qq.com blog.csdn.net www.cnblogs.com www.jianshu.com blog.sina.com.cn
    www.sohu.com news.sohu.com en.wikipedia.org zh.wikipedia.org www.ruanyifeng.com
    www.csdn.net download.csdn.net www.cs.cmu.edu wenku.baidu.com baike.baidu.com
    web.stanford.edu cs.stanford.edu scikit-learn.org www.runoob.com www.infoq.com
    pandas.pydata.org blog.chinaunix.net www.ibm.com www.leiphone.com kexue.fm
    jalammar.github.io github.com gist.github.com arxiv.org www.zhihu.com
    zhuanlan.zhihu.com www.youtube.com www.bilibili.com www.google.com
    docs.python.org stackoverflow.com www.reddit.com medium.com twitter.com
    www.nature.com www.sciencedirect.com www.163.com news.163.com www.docin.com
    www.doc88.com max.book118.com www.52nlp.cn www.stat.cmu.edu
    """.split()
)


def normalize(url: str) -> str:
    """The key under which two URLs count as the same link.

    ``http``/``https``, host case, default ports, a trailing ``/`` and ``utm_*``
    query parameters do not make two URLs different.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.rstrip("/")
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = parts.query
    if "utm_" in query:
        # drop the utm_* pairs as written (re-encoding the others would make
        # "a&b" and "a=&b=" differ from themselves)
        query = "&".join(p for p in query.split("&") if not p.lower().startswith("utm_"))
    key = f"{host}{path}"
    if query:
        key += "?" + query
    if parts.fragment:
        key += "#" + parts.fragment
    return key


def coarse_key(url: str) -> str:
    """A cheap key that is equal for any two URLs whose :func:`normalize` keys are.

    It drops the scheme, the query and the fragment, lowercases everything and
    strips default ports and trailing slashes: coarser than ``normalize`` in every
    respect, so it can rule out duplicates without parsing each URL.
    """
    rest = url.split("://", 1)[-1].lower()
    for sep in ("#", "?"):
        cut = rest.find(sep)
        if cut >= 0:
            rest = rest[:cut]
    slash = rest.find("/")
    host, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    host = host.rsplit("@", 1)[-1]  # user info is not part of the host
    if host.endswith((":80", ":443")):
        host = host.rsplit(":", 1)[0]
    return host + path.rstrip("/")


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


#: Names no reader can reach (RFC 6761 special-use names, RFC 8375, mDNS, and the
#: private-network names in common use): ``.test``, ``.example`` and ``.invalid`` never
#: resolve on the public internet; ``.localhost`` is the machine itself; ``.local`` is
#: mDNS; ``.internal``, ``.lan``, ``.home.arpa``, ``.intranet`` are private networks.
_LOCAL_NAMES = ("localhost", "test", "example", "invalid", "local", "internal", "lan", "home.arpa", "intranet")
_LOCAL_SUFFIXES = tuple("." + n for n in _LOCAL_NAMES)


def is_local_host(host: str) -> bool:
    """Whether ``host`` is reachable only from the author's machine or network, or by no one.

    ``localhost``, loopback, private, link-local and unspecified addresses, and
    the special-use names (``.test``, ``.example``, ``.invalid``, ``.localhost``,
    ``.local``, ``.internal``, ``.lan``, ``.home.arpa``, ``.intranet``).  No https
    advice applies to them: a development server rarely serves https, a reserved
    name is an illustration, and no reader can reach either anyway.
    """
    host = host.lower().strip("[]").rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return True
    ip = _ip(host)
    return ip is not None and (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def is_loopback(host: str) -> bool:
    host = host.lower().strip("[]").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    ip = _ip(host)
    return ip is not None and (ip.is_loopback or ip.is_unspecified)


#: What an IPv4 address can be made of; an IPv6 one always holds a ":".
_IPV4_CHARS = frozenset("0123456789.")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an IP address, or None for a name.

    Most hosts are names: ruling them out by their characters saves the two
    exceptions ``ipaddress.ip_address`` raises for each.
    """
    if ":" not in host and not _IPV4_CHARS.issuperset(host):
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
