"""Secrets given to command-line tools: options that name a secret, and the password flags tools document.

Three kinds, each tried only where it can start (``str.find`` scans in C, not the engine at every
character):

* an option whose name says secret, its value after a space ("--db-password 'x'", "--token x",
  "--account-key x", "-storepass x"; "--api-token=x" is an assignment), and OpenSSL's pass phrase
  arguments ("-passout pass:x");
* credentials in a user option ("-u root -pX", "docker login -u ci -p X", "curl -u user:X",
  "--user deploy:X", "smbclient -U backup%X");
* the short flags tools document for a password or key, which say nothing by themselves ("-a" of
  ``redis-cli``, "-p" of ``sshpass``, "-P" of ``sqlcmd`` and ``mosquitto_pub``, "-w" of the LDAP
  tools, "-k" of ``openssl``, "-pw" of PuTTY's tools): read only on the command line of the tool
  that documents them (``_COMMAND_FLAGS``), up to the end of its line or pipe stage.

A bare "--key" is left out (its value is mostly a file), and a value that is a path ("/run/key",
"./db.pass", "~/.ssh/x", "key.pem") is never a secret here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

__all__ = ["flag_secrets", "is_path"]

Named = Callable[[str, str, bool], bool]  # (value, name, quoted) -> is it a secret

_SECRET_OPTION_WORDS = (
    r"passw(?:or)?d|passphrase|pwd|secret|token|api-?key|access-?key|"
    r"(?:account|storage|shared|master)-?key|(?:src|dest)?(?:store|key)pass"
)
_FLAG = re.compile(
    rf"(?i)(?<![\w-])--?((?:[a-z0-9]+-){{0,4}}(?:{_SECRET_OPTION_WORDS}))"
    r"\s{1,3}([\"']?)([^\s\"'`]{6,300})"
)
_OPENSSL_PASS = re.compile(
    r"(?<![\w-])-(?:pass|passin|passout|kdfpass)\s{1,3}([\"']?)pass:([^\s\"'`]{6,300})"
)
_USER_FLAG = re.compile(
    r"(?<![\w-])-u\s{0,3}[\"']?(?:[^\s\"':-][^\s\"':]{0,63}\s{1,3}-p\s{0,3}([\"']?)|[^\s\"':-][^\s\"':]{0,63}:())"
    r"([^\s\"'`@]{6,300})"
)
# "--user name:X", "--proxy-user name:X" (curl), "-U name%X" (Samba's tools)
_USER_OPTION = re.compile(
    r"(?<![\w-])(?:--(?:proxy-)?user(?:=|\s{1,3})([\"']?)[^\s\"':%-][^\s\"':%]{0,63}:|"
    r"-U\s{0,3}([\"']?)[^\s\"':%-][^\s\"':%]{0,63}%)([^\s\"'`@]{6,300})"
)
_PATH = re.compile(
    r"^(?:/|\./|\.\./|~/|@|file:|env:|fd:)|\.(?:pem|key|txt|json|crt|p12|pfx|jks|der|asc|gpg|ya?ml|env|pass|cfg)$",
    re.IGNORECASE,
)

# The password and key flags tools document (their manuals), by command. "=": the value is glued to
# the flag ("mysql -pX": "-p X" prompts and reads X as a database name, "7z a -pX").
_PASSWORD_FLAGS: dict[str, tuple[str, ...]] = {
    "redis-cli": ("-a",),
    "sshpass": ("-p",),
    "sqlcmd": ("-P",),
    "bcp": ("-P",),
    "osql": ("-P",),
    "ipmitool": ("-P",),
    "mosquitto_pub": ("-P",),
    "mosquitto_sub": ("-P",),
    "mosquitto_rr": ("-P",),
    "openssl": ("-k",),
    "zip": ("-P",),
    "unzip": ("-P",),
    "7z": ("=-p",),
    "7za": ("=-p",),
    "plink": ("-pw",),
    "pscp": ("-pw",),
    "psftp": ("-pw",),
    "putty": ("-pw",),
    "rdesktop": ("-p",),
    "ssh-keygen": ("-N", "-P"),
    "mysql": ("=-p",),
    "mysqldump": ("=-p",),
    "mysqladmin": ("=-p",),
    "mysqlimport": ("=-p",),
    "mysqlcheck": ("=-p",),
    "mariadb": ("=-p",),
    "mariadb-dump": ("=-p",),
}
for _tool in ("ldapsearch", "ldapmodify", "ldapadd", "ldapdelete", "ldappasswd", "ldapwhoami", "ldapcompare"):
    _PASSWORD_FLAGS[_tool] = ("-w",)
for _tool in ("mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport", "mongostat"):
    _PASSWORD_FLAGS[_tool] = ("-p",)
for _tool in ("snmpwalk", "snmpget", "snmpset", "snmpbulkwalk", "snmpbulkget"):
    _PASSWORD_FLAGS[_tool] = ("-A", "-X")  # SNMPv3 authentication and privacy pass phrases


def _command_pattern(flags: tuple[str, ...]) -> re.Pattern[str]:
    spaced = [re.escape(f) for f in flags if not f.startswith("=")]
    glued = [re.escape(f[1:]) for f in flags if f.startswith("=")]
    parts = []
    if spaced:
        parts.append(rf"(?:{'|'.join(spaced)})(?:\s{{1,3}}|(?=[^\s-]))")
    if glued:
        parts.append(rf"(?:{'|'.join(glued)})(?=[^\s-])")
    return re.compile(rf"(?<!\S)(?:{'|'.join(parts)})([\"']?)([^\s\"'`]{{6,300}})")


_COMMAND_FLAGS = {tool: _command_pattern(flags) for tool, flags in _PASSWORD_FLAGS.items()}
_COMMAND_NAME = re.compile(r"[\w.-]{1,24}")
_STAGE_END = re.compile(r"[\n|;&]")
_STAGE_REACH = 1000  # a command line longer than this is not read to its end


def _value(match: re.Match[str], quote_group: int, value_group: int) -> tuple[int, str, bool]:
    value, quote = match.group(value_group), match.group(quote_group)
    if quote:
        value = value.split(quote, 1)[0]
    return match.start(value_group), value, bool(quote)


def is_path(value: str) -> bool:
    """A file's path or reference ("/run/key", "./db.pass", "~/.ssh/x", "key.pem"), not a secret."""
    return _PATH.search(value) is not None


def _found(start: int, value: str, name: str, quoted: bool, named: Named) -> Iterator[tuple[int, int, str]]:
    if not is_path(value) and named(value, name, quoted):
        yield start, start + len(value), "flag_secret"


def _option_starts(text: str, literal: str) -> list[int]:
    """Where an option spelled ``literal`` ("-", "-u") starts a word."""
    found: set[int] = set()
    for sep in (" ", "\n", "\t"):
        at = text.find(sep + literal)
        while at >= 0:
            found.add(at + 1)
            at = text.find(sep + literal, at + 1)
    return ([0] if text.startswith(literal) else []) + sorted(found)


def _tool_flags(text: str, named: Named) -> Iterator[tuple[int, int, str]]:
    """The documented password flags of each tool named on a command line, read to the end of its
    stage (a line, a pipe, ";" or "&&"); each stage once, however many names it holds."""
    done = 0
    for at in sorted(_tool_starts(text)):
        if at < done:
            continue
        name = _COMMAND_NAME.match(text, at)
        pattern = _COMMAND_FLAGS.get(name.group(0).removesuffix(".exe")) if name else None
        if name is None or pattern is None:
            continue
        stage_end = _STAGE_END.search(text, name.end(), name.end() + _STAGE_REACH)
        end = stage_end.start() if stage_end else min(len(text), name.end() + _STAGE_REACH)
        for match in pattern.finditer(text, name.end(), end):
            start, value, quoted = _value(match, 1, 2)
            yield from _found(start, value, "password", quoted, named)
        done = end


def _tool_starts(text: str) -> set[int]:
    """Where a tool of ``_PASSWORD_FLAGS`` is named as a word (after white space, a quote, "/" or
    "$(", or at the start)."""
    found: set[int] = set()
    for tool in _PASSWORD_FLAGS:
        at = text.find(tool)
        while at >= 0:
            before = text[at - 1] if at else " "
            after = text[at + len(tool) : at + len(tool) + 1]
            if (before.isspace() or before in "/\"'(`") and (after in ("", " ", "\t", ".")):
                found.add(at)
            at = text.find(tool, at + 1)
    return found


def flag_secrets(text: str, named: Named) -> Iterator[tuple[int, int, str]]:
    """``(start, end, "flag_secret")`` of each secret given on a command line in ``text``; ``named``
    decides whether a value under a secret name is one."""
    done = 0
    for at in _option_starts(text, "-"):
        if at < done:
            continue
        match = _FLAG.match(text, at) or _OPENSSL_PASS.match(text, at)
        if match is None:
            continue
        done = match.end()
        if match.re is _FLAG:
            start, value, quoted = _value(match, 2, 3)
            yield from _found(start, value, match.group(1), quoted, named)
        else:
            start, value, quoted = _value(match, 1, 2)
            yield from _found(start, value, "password", quoted, named)
    for pattern in (_USER_FLAG, _USER_OPTION):
        done = 0
        for at in _option_starts(text, "-u" if pattern is _USER_FLAG else "-"):
            if at < done or (match := pattern.match(text, at)) is None:
                continue
            done = match.end()
            quote = match.group(1) or match.group(2) or ""
            start, value = match.start(3), match.group(3)
            if quote:
                value = value.split(quote, 1)[0]
            yield from _found(start, value, "password", bool(quote), named)
    if "-" in text:
        yield from _tool_flags(text, named)
