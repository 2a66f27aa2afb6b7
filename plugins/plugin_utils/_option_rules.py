# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The value rules of the collection's module options: one table for the action plugins and for preflight_validate.

PRIVATE to this collection. The only place an option's value rule is written: a module's own code (the Python modules
that run on a POSIX host) checks no ranges, because its action plugin of the same name applies these rules on the
controller before the module is sent (which is why this file lives in plugin_utils, not module_utils).
Types are checked by each module's argument spec (and, for playbook variables, by the roles' argument specs); this
table adds what an argument spec cannot say: ranges, finite numbers, non-empty strings and list items, DNs, versions,
UNC paths, existing files, known keys. ``check(module, options)`` returns one ``(option, problem)`` per bad value; the
caller names the option (ad hoc use) or the playbook variable that feeds it.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re

try:
    from ldap3.utils.dn import parse_dn as _parse_dn
except ImportError:  # pragma: no cover - ldap3 is a controller requirement; a simple syntax check stands in without it
    _parse_dn = None

# The roles of ldap_attribute_check's attribute map (plugins/module_utils/ldap/_ldap_audit.py ATTRIBUTE_ROLES).
LDAP_ROLES = ('login', 'first_name', 'surname', 'department', 'card_number', 'unique_id', 'email')
_VERSION_RE = re.compile(r'^\d{1,5}(\.\d{1,5}){0,3}$')
_HOST_RE = re.compile(r'^[^\s/\\]{1,253}$')
_WINDOWS_PATH_RE = re.compile(r'^[A-Za-z]:\\[^<>:"/|?*]*$')
# SQL Server instance names: at most 16 characters; no space, \ , : ; ' & - @ (Microsoft's naming rules).
_SQL_INSTANCE_RE = re.compile(r'''^[A-Za-z_][^\s\\,:;'&@\-\x00]{0,15}$''')


def plain(value):
    """``value`` with Ansible's tagged/unsafe str, int, float, list and dict subclasses turned into plain types (for messages)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)


def show(value):
    """``value`` as a reader sees it in a message: repr of plain types, never an internal class name."""
    return repr(plain(value))


def _number(value, low, high, integer=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return '%s is not a number' % show(value)
    if isinstance(value, float) and not math.isfinite(value):
        return '%s is not a finite number' % show(value)
    if integer and isinstance(value, float) and not value.is_integer():
        return '%s is not a whole number' % show(value)
    if not low <= value <= high:
        return '%s is outside %s-%s' % (show(value), low, high)
    return None


def number(low, high):
    """A finite number in [low, high]."""
    return lambda value: _number(value, low, high)


def integer(low, high):
    """A whole number in [low, high]."""
    return lambda value: _number(value, low, high, integer=True)


def _text(value):
    if not isinstance(value, str):
        return '%s is not a string' % show(value)
    if not value.strip():
        return 'an empty string'
    return None


def text(max_length=1024, max_bytes=None):
    """A non-empty string of at most ``max_length`` characters (and ``max_bytes`` bytes of UTF-8, when given)."""
    def _check(value):
        problem = _text(value)
        if problem is None and len(value) > max_length:
            problem = 'longer than %d characters' % max_length
        if problem is None and max_bytes is not None and len(value.encode('utf-8')) > max_bytes:
            problem = 'longer than %d bytes of UTF-8' % max_bytes
        return problem
    return _check


def pattern(regex, what):
    """A non-empty string that matches ``regex``."""
    def _check(value):
        return _text(value) or (None if regex.match(value) else '%s is not %s' % (show(value), what))
    return _check


def host(value):
    """A host name or address (no spaces, slashes or backslashes)."""
    return pattern(_HOST_RE, 'a host name or IP address')(value)


def dn(value):
    """A distinguished name that parses (RFC 4514)."""
    problem = _text(value)
    if problem:
        return problem
    if _parse_dn is None:
        return None if '=' in value else '%s is not a DN (for example OU=Users,DC=example,DC=com)' % show(value)
    try:
        _parse_dn(value, strip=True)  # 'OU=Users, DC=example, DC=com' (spaces after commas) is what AD and OpenLDAP accept
    except Exception as exc:  # pylint: disable=broad-except  # ldap3 raises its own error types for a bad DN
        return '%s is not a DN (%s; for example OU=Users,DC=example,DC=com)' % (show(value), exc)
    return None


def _dn_key(value):
    """The RDNs of a DN, leaf first, lower-cased with spaces around values dropped (how AD and OpenLDAP compare most DNs)."""
    if _parse_dn is None:
        return tuple(part.strip().lower() for part in value.split(','))
    return tuple('%s=%s' % (attr.strip().lower(), ' '.join(val.lower().split())) for attr, val, dummy in _parse_dn(value, strip=True))


def base_dns(value):
    """DNs of containers, none equal to or beneath another: a subtree search of the upper one already reads the lower one, and the
    users under both would be counted twice (false duplicates, false totals)."""
    problem = items(dn, allow_empty=False)(value)
    if problem:
        return problem
    keys = [_dn_key(item) for item in value]
    for i, inner in enumerate(keys):
        for j, outer in enumerate(keys):
            if i != j and len(inner) >= len(outer) and inner[len(inner) - len(outer):] == outer and (len(inner) > len(outer) or i > j):
                return ('item %d: %s %s item %d: %s (a subtree search of it already reads the other): give only the upper one'
                        % (i, show(value[i]), 'repeats' if len(inner) == len(outer) else 'lies under', j, show(value[j])))
    return None


_UPN_RE = re.compile(r'^[^\s@\\]+@[^\s@\\]+$')
_DOWN_LEVEL_RE = re.compile(r'^[^\s\\/]+\\[^\\/]+$')


def bind_name(value):
    """What a simple bind takes: a DN, or on Active Directory user@domain (UPN) or DOMAIN\\user."""
    if isinstance(value, str) and (_UPN_RE.match(value) or _DOWN_LEVEL_RE.match(value)):
        return None
    problem = dn(value)
    if problem and isinstance(value, str) and value.strip():
        return '%s is not a DN, user@domain or DOMAIN\\user' % show(value)
    return problem


def version(value):
    """A dotted version such as 13.0 or 15.0.2000.5."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return pattern(_VERSION_RE, 'a dotted version such as 13.0 or 15.0.2000')(value)


def unc(value):
    """A UNC path \\\\server\\share (empty or None means not given)."""
    if value in (None, ''):
        return None
    problem = _text(value)
    if problem:
        return problem
    parts = value[2:].split('\\') if value.startswith('\\\\') else []
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return '%s is not a UNC path such as \\\\server\\share' % show(value)
    return None


def readable_file(value):
    """A file that exists on the controller and can be read."""
    problem = _text(value)
    if problem:
        return problem
    path = os.path.expanduser(os.path.expandvars(value))  # as Ansible's path type expands it
    if not os.path.isfile(path):
        return '%s does not exist or is not a file on the controller' % show(value)
    if not os.access(path, os.R_OK):
        return '%s cannot be read by the user running Ansible' % show(value)
    return None


def items(rule, allow_empty=True):
    """A list whose every item passes ``rule``."""
    def _check(value):
        if not isinstance(value, list):
            return '%s is not a list' % show(value)
        if not value and not allow_empty:
            return 'the list is empty'
        for index, item in enumerate(value):
            problem = rule(item)
            if problem:
                return 'item %d: %s' % (index, problem)
        return None
    return _check


def mapping(keys, rule):
    """A dict whose keys are all in ``keys`` and whose values pass ``rule``."""
    def _check(value):
        if not isinstance(value, dict):
            return '%s is not a mapping' % show(value)
        unknown = sorted(str(key) for key in value if key not in keys)
        if unknown:
            return 'unknown key(s) %s (known: %s)' % (', '.join(unknown), ', '.join(keys))
        for key, item in value.items():
            problem = rule(item)
            if problem:
                return '%s: %s' % (key, problem)
        return None
    return _check


def _port_targets_rule(value):
    """port_check's targets, expanded by port_check's own expansion (unknown keys, ranges, protocols, probes)."""
    from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_targets  # pylint: disable=import-outside-toplevel
    if not isinstance(value, list):
        return '%s is not a list of targets' % show(value)
    for index, target in enumerate(value):
        if not isinstance(target, dict):
            return 'targets[%d]: %s is not a mapping {host, port, ...}' % (index, show(target))
        unknown = sorted(str(key) for key in target if key not in _port_targets.TARGET_OPTIONS)
        if unknown:
            return 'targets[%d]: unknown key(s) %s (known: %s)' % (index, ', '.join(unknown), ', '.join(_port_targets.TARGET_OPTIONS))
    if not value:
        return None
    try:
        _port_targets.expand(plain(value))
    except (ValueError, TypeError, AttributeError) as exc:
        return str(exc)
    return None


def optional(rule):
    """``rule`` for an option that may be left empty: None or '' means not given; anything else is a non-empty string that
    passes ``rule``."""
    def _check(value):
        if value in (None, ''):
            return None
        return _text(value) or rule(value)
    return _check


def _ldap_filter(value):
    from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_wire  # pylint: disable=import-outside-toplevel
    try:
        _ldap_wire.encode_filter(value)
    except ImportError:  # ldap3 missing on the controller: the module reports it where it runs
        return None
    except Exception as exc:  # pylint: disable=broad-except  # ldap3 raises several types for a bad filter
        return '%s is not an LDAP filter (%s)' % (show(value), exc)
    return None


# An RFC 4515 search filter that ldap3's parser reads (empty or None means the directory type's default filter).
ldap_filter = optional(_ldap_filter)


def sql_instance(value):
    """A SQL Server instance name that the SQL Server Browser protocol can carry (its bytes are Latin-1)."""
    problem = pattern(_SQL_INSTANCE_RE, "a SQL Server instance name (at most 16 characters, starting with a letter or '_', "
                                        "no space or \\ , : ; ' & - @)")(value)
    if problem is None and not all(ord(char) < 256 for char in value):
        problem = '%s is not a SQL Server instance name the SQL Server Browser can be asked for (Latin-1 characters only)' % show(value)
    return problem


def windows_features(value):
    """A list of Windows feature names that windows_feature_check knows (ServerManager names, case-insensitive)."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils.windows import _feature_eval  # pylint: disable=import-outside-toplevel
    problem = items(text(256))(value)
    if problem:
        return problem
    unknown = _feature_eval.unknown_features(value)
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(_feature_eval.KNOWN_FEATURES), n=1)
        return 'unknown Windows feature %s%s (known: %s)' % (
            show(unknown[0]), ', did you mean %r?' % close[0] if close else '', ', '.join(sorted(_feature_eval.KNOWN_FEATURES)))
    return None


def site_features(value):
    """A list of the catalogue's SafeQ feature names (safeq_features)."""
    from ansible_collections.safeq.preflight.plugins.plugin_utils import _catalogue  # pylint: disable=import-outside-toplevel
    problem = items(text(64))(value)
    if problem:
        return problem
    unknown = _catalogue.unknown_features(value)
    return 'unknown SafeQ feature %s (known: %s)' % (show(unknown[0]), ', '.join(_catalogue.load().features)) if unknown else None


def _ip_literal(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return '%s is not an IP address' % show(value)
    return None


# An IPv4 or IPv6 address (empty or None means not given).
ip_literal = optional(_ip_literal)


SERVER_CHECK = {
    'share': unc,
    'declared_address': ip_literal,
    'min_os_build': integer(0, 99999),
    'supported_builds': items(integer(0, 99999), allow_empty=False),
    'browser_min_versions': mapping(('edge', 'chrome', 'firefox', 'ie'), version),
    'supported_editions': items(pattern(re.compile(r'^[A-Za-z][A-Za-z0-9]{1,63}$'), 'a Windows EditionID such as ServerStandard')),
    'min_logical_processors': integer(1, 1024),
    'min_memory_gb': number(0.5, 65536),
    'min_disk_free_gb': number(0, 1048576),
    'patch_max_age_days': integer(1, 3650),
    'clock_max_offset_s': integer(1, 86400),
    'windows_update_timeout': integer(10, 3600),
    'install_dir': pattern(_WINDOWS_PATH_RE, r'an absolute Windows path such as C:\SafeQ6'),
}

RULES = {
    'server_check': SERVER_CHECK,
    'windows_feature_check': {'allowed_software': items(text(256)), 'conflicting_software': items(text(256)),
                              'database_software': items(text(256)), 'present': windows_features, 'absent': windows_features,
                              'site_features': site_features},
    'sql_browser_probe': {
        'host': host,
        'instance': sql_instance,
        'timeout': number(0.1, 60),
        'min_version': version,
        'browser_port': integer(1, 65535),
    },
    'port_check': {
        'targets': _port_targets_rule,
        'timeout': number(0.05, 60),
        'retries': integer(0, 10),
        'concurrency': integer(1, 1024),
        'deadline': number(0.1, 3600),
        'snmp_community': text(64, max_bytes=64),
        'tls_min_days': integer(0, 3650),
        'source': text(255),
    },
    'win_port_listener': {
        'duration_s': integer(0, 3600),
        'ready_timeout_s': integer(1, 600),
        'bind_address': host,
    },
    'ldap_attribute_check': {
        'servers': items(host, allow_empty=False),
        'port': integer(1, 65535),
        'ca_file': readable_file,
        'tls_server_name': host,
        'bind_dn': bind_name,
        'bind_password': text(1024),
        'privileged_bind_dn': bind_name,
        'privileged_bind_password': text(1024),
        'domains': items(pattern(re.compile(r'^[^\s=,]{1,253}$'), 'a domain name such as example.com')),
        'base_dns': base_dns,
        'user_filter': ldap_filter,
        'attributes': mapping(LDAP_ROLES, pattern(re.compile(r'^[A-Za-z][A-Za-z0-9-]{0,127}$|^\d+(\.\d+)+$'), 'an LDAP attribute name')),
        'thresholds': mapping(LDAP_ROLES, number(0, 100)),
        'page_size': integer(1, 100000),
        'sample_size': integer(0, 1000),
        'timeout': number(0.1, 300),
    },
}


def check(module, options):
    """``[(option, problem)]`` for the options of ``module`` that break their rule (options left out or None are not checked)."""
    problems = []
    for option, rule in RULES.get(module, {}).items():
        value = options.get(option)
        if value is None:
            continue
        problem = rule(value)
        if problem:
            problems.append((option, problem))
    return problems


def shape_problems(argument_spec, raw):
    """``[(option, problem)]`` for options given a list, mapping or boolean where the spec wants a string or a number:
    Ansible's argument spec would quietly turn ``['x']`` into the string ``"['x']"`` and ``true`` into ``1.0``."""
    problems = []
    for option, spec in argument_spec.items():
        value = (raw or {}).get(option)
        kind = spec.get('type', 'str')
        if kind in ('str', 'path') and isinstance(value, (list, dict, bool)):
            problems.append((option, '%s is not a string' % show(value)))
        elif kind in ('int', 'float') and isinstance(value, (list, dict, bool)):
            problems.append((option, '%s is not a number' % show(value)))
        elif kind == 'list' and spec.get('elements', 'str') == 'str' and isinstance(value, list):
            bad = [item for item in value if isinstance(item, (list, dict, bool))]
            if bad:
                problems.append((option, 'item %s is not a string' % show(bad[0])))
    return problems


def messages(module, options, secret=(), argument_spec=None, raw=None):
    """``check`` (and ``shape_problems`` when the spec and the raw task arguments are given) as messages naming the option,
    as an action plugin reports them; values of ``secret`` options are hidden."""
    problems = shape_problems(argument_spec or {}, raw) if raw is not None else []
    problems += [found for found in check(module, options) if found[0] not in {option for option, dummy in problems}]
    return ["Invalid value for option '%s': %s" % (option, hide(problem, (raw or options).get(option)) if option in secret else problem)
            for option, problem in problems]


def hide(problem, value):
    """A problem text with a secret value masked."""
    return problem.replace(show(value), "'********'") if value is not None else problem
