# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loader, validator and applicability resolver of the checklist catalogue (catalogue.yml).

PRIVATE to this collection.
"""

from __future__ import annotations

import hashlib
import json
import os

import yaml

DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'catalogue.yml')

AREAS = ('server', 'ldap', 'database', 'network')
KINDS = ('check', 'manual')
REQUIREMENTS = ('mandatory', 'optional', 'recommended')
SERVER_ROLES = ('cml', 'ors', 'crs')
PROTOCOLS = ('tcp', 'udp', 'udp-multicast')
PORT_WORDS = ('dynamic', 'configurable')
REQUIRED_KEYS = ('id', 'title', 'area', 'kind', 'requirement', 'applies_when', 'roles', 'section', 'source', 'remediation')
PORT_KEYS = ('protocol', 'ports', 'direction', 'localhost_only')
SCOPES = ('site', 'node')
OPTIONAL_KEYS = ('implemented_by', 'scope', 'owner', 'remediations', 'node_can_apply') + PORT_KEYS
TOP_KEYS = ('schema_version', 'features', 'peers', 'owners', 'area_defaults', 'entries', 'non_requirement_lines')

_CACHE = {}
# libyaml parses the catalogue about 9 times faster than PyYAML alone; every Ansible worker process loads it once.
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


class CatalogueError(ValueError):
    """The catalogue file, or a lookup in it, is invalid."""


class Catalogue:
    """The validated catalogue: features, peers and entries in file order."""

    def __init__(self, document, path='<memory>'):
        self.path = path
        self.schema_version = document['schema_version']
        self.features = dict(document['features'])
        self.peers = list(document['peers'])
        self.owners = dict(document.get('owners') or {})
        self.area_defaults = dict(document.get('area_defaults') or {})
        self.entries = [resolve_scope(entry, self.area_defaults) for entry in document['entries']]
        self.non_requirement_lines = list(document.get('non_requirement_lines') or [])
        self._by_id = {entry['id']: entry for entry in self.entries}

    @property
    def ids(self):
        return [entry['id'] for entry in self.entries]

    def __contains__(self, entry_id):
        return entry_id in self._by_id

    def __len__(self):
        return len(self.entries)

    def get(self, entry_id):
        try:
            return self._by_id[entry_id]
        except KeyError:
            raise CatalogueError("'%s' is not a catalogue entry id" % (entry_id,)) from None


def resolve_scope(entry, area_defaults):
    """The entry with its ``scope`` and ``owner``: its own when it sets them, else its area's defaults."""
    resolved = dict(entry)
    defaults = area_defaults.get(entry.get('area')) or {'scope': 'node', 'owner': None}
    for key in ('scope', 'owner'):
        resolved.setdefault(key, defaults[key])
    return resolved


def _check_area_defaults(area_defaults, owners):
    if not isinstance(owners, dict) or not owners or not all(isinstance(k, str) and isinstance(v, str) for k, v in owners.items()):
        raise CatalogueError('owners must be a non-empty mapping of owner name -> description')
    if not isinstance(area_defaults, dict) or set(area_defaults) != set(AREAS):
        raise CatalogueError('area_defaults must name every area (%s), got %r' % (', '.join(AREAS), area_defaults))
    for area, defaults in area_defaults.items():
        if not isinstance(defaults, dict) or not {'scope', 'owner'} <= set(defaults) <= {'scope', 'owner', 'remediations'}:
            raise CatalogueError('area_defaults.%s must be {scope, owner} (and optionally remediations), got %r' % (area, defaults))
        _check_choice('area_defaults.%s' % area, 'scope', defaults['scope'], SCOPES)
        _check_choice('area_defaults.%s' % area, 'owner', defaults['owner'], owners)
        _check_variants('area_defaults.%s' % area, defaults.get('remediations', {}))


def _check_variants(where, variants):
    if not isinstance(variants, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in variants.items()):
        raise CatalogueError('%s: remediations must be a mapping of reason code -> non-empty text' % where)


def _check_ports(where, ports):
    if ports in PORT_WORDS:
        return
    if isinstance(ports, dict):
        if set(ports) != {'from', 'to'} or not all(isinstance(ports[k], int) for k in ports) or not 1 <= ports['from'] <= ports['to'] <= 65535:
            raise CatalogueError('%s: a port range must be {from, to} with 1 <= from <= to <= 65535, got %r' % (where, ports))
        return
    if not isinstance(ports, list) or not ports or not all(isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= 65535 for p in ports):
        raise CatalogueError('%s: ports must be a non-empty list of 1-65535, a {from, to} range, or one of %s; got %r'
                             % (where, ', '.join(PORT_WORDS), ports))


def _check_choice(where, name, value, choices):
    if value not in choices:
        raise CatalogueError('%s: %s %r is not one of %s' % (where, name, value, ', '.join(map(str, choices))))


def _check_entry(index, entry, features, peers, owners=()):
    where = 'entries[%d]' % index
    if not isinstance(entry, dict):
        raise CatalogueError('%s: must be a mapping' % where)
    where = '%s (%s)' % (where, entry.get('id', 'no id'))
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise CatalogueError('%s: missing key(s) %s' % (where, ', '.join(missing)))
    unknown = sorted(set(entry) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise CatalogueError('%s: unknown key(s) %s' % (where, ', '.join(unknown)))
    for key in ('id', 'title', 'section', 'source', 'remediation'):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise CatalogueError('%s: %s must be a non-empty string' % (where, key))
    _check_variants(where, entry.get('remediations', {}))
    _check_choice(where, 'area', entry['area'], AREAS)
    _check_choice(where, 'kind', entry['kind'], KINDS)
    _check_choice(where, 'requirement', entry['requirement'], REQUIREMENTS)
    if 'scope' in entry:
        _check_choice(where, 'scope', entry['scope'], SCOPES)
    if 'owner' in entry:
        _check_choice(where, 'owner', entry['owner'], owners)
    if not isinstance(entry['applies_when'], list):
        raise CatalogueError('%s: applies_when must be a list' % where)
    for feature in entry['applies_when']:
        _check_choice(where, 'feature', feature, features)
    if entry['requirement'] == 'optional' and not entry['applies_when']:
        raise CatalogueError('%s: an optional entry must name the feature(s) it applies with' % where)
    if not isinstance(entry['roles'], list) or not entry['roles']:
        raise CatalogueError('%s: roles must be a non-empty list' % where)
    for role in entry['roles']:
        _check_choice(where, 'role', role, SERVER_ROLES)
    if 'node_can_apply' in entry and (not isinstance(entry['node_can_apply'], bool) or not entry['applies_when']
                                      or not entry.get('implemented_by')):
        raise CatalogueError('%s: node_can_apply must be true or false, on an entry with applies_when and implemented_by' % where)
    if entry['kind'] == 'manual' and entry.get('implemented_by'):
        raise CatalogueError('%s: a manual entry cannot be implemented_by a module' % where)
    present = [key for key in PORT_KEYS if key in entry]
    if present and len(present) != len(PORT_KEYS):
        raise CatalogueError('%s: port rows need all of %s' % (where, ', '.join(PORT_KEYS)))
    if present:
        _check_choice(where, 'protocol', entry['protocol'], PROTOCOLS)
        _check_ports(where, entry['ports'])
        direction = entry['direction']
        if not isinstance(direction, dict) or set(direction) != {'from', 'to'}:
            raise CatalogueError('%s: direction must be {from: [...], to: [...]}' % where)
        for side in ('from', 'to'):
            for peer in direction[side]:
                _check_choice(where, 'peer', peer, peers)
        if not isinstance(entry['localhost_only'], bool):
            raise CatalogueError('%s: localhost_only must be true or false' % where)


def validate(document):
    """Validate a parsed catalogue document; raise CatalogueError with a precise message."""
    if not isinstance(document, dict):
        raise CatalogueError('the catalogue must be a mapping')
    unknown = sorted(set(document) - set(TOP_KEYS))
    if unknown:
        raise CatalogueError('unknown top-level key(s) %s' % ', '.join(unknown))
    if document.get('schema_version') != 1:
        raise CatalogueError('schema_version must be 1, got %r' % (document.get('schema_version'),))
    features = document.get('features')
    if not isinstance(features, dict) or not features:
        raise CatalogueError('features must be a non-empty mapping of name -> description')
    peers = document.get('peers')
    if not isinstance(peers, list) or not peers:
        raise CatalogueError('peers must be a non-empty list')
    _check_area_defaults(document.get('area_defaults'), document.get('owners'))
    entries = document.get('entries')
    if not isinstance(entries, list) or not entries:
        raise CatalogueError('entries must be a non-empty list')
    seen = set()
    for index, entry in enumerate(entries):
        _check_entry(index, entry, features, peers, document['owners'])
        if entry['id'] in seen:
            raise CatalogueError('entries[%d]: duplicate id %s' % (index, entry['id']))
        seen.add(entry['id'])
    return document


def json_path(path):
    """Where the JSON copy of the catalogue at ``path`` lives: beside it (``catalogue.yml`` -> ``catalogue.json``)."""
    return os.path.splitext(path)[0] + '.json'


def json_copy(path=None):
    """The JSON copy of the catalogue YAML at ``path`` (``make catalogue-json`` writes it beside the YAML): the parsed
    document and the SHA-256 of the YAML bytes it was made from."""
    path = path or DEFAULT_PATH
    with open(path, 'rb') as handle:
        raw = handle.read()
    document = yaml.load(raw.decode('utf-8'), Loader=_LOADER)  # nosec B506: a safe loader (CSafeLoader or SafeLoader)
    return json.dumps({'source_sha256': hashlib.sha256(raw).hexdigest(), 'document': document}, ensure_ascii=False,
                      separators=(',', ':')) + '\n'


def _read(path):
    """The catalogue document at ``path``: from its JSON copy when that copy was made from these very YAML bytes (parsing
    JSON takes a fortieth of the time YAML does, and every Ansible worker that templates a catalogue filter loads it once:
    docs/pipelines.md, fleet speed); from the YAML otherwise (a stale or missing copy costs time, never correctness)."""
    with open(path, 'rb') as handle:
        raw = handle.read()
    try:
        with open(json_path(path), encoding='utf-8') as handle:
            copy = json.load(handle)
    except (OSError, ValueError):
        copy = None
    if isinstance(copy, dict) and copy.get('source_sha256') == hashlib.sha256(raw).hexdigest():
        return copy.get('document')
    return yaml.load(raw.decode('utf-8'), Loader=_LOADER)  # nosec B506: a safe loader (CSafeLoader or SafeLoader)


def load(path=None):
    """Load and validate the catalogue (cached per path)."""
    path = path or DEFAULT_PATH
    if path not in _CACHE:
        try:
            document = _read(path)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CatalogueError('cannot read the catalogue %s: %s' % (path, exc)) from exc
        try:
            _CACHE[path] = Catalogue(validate(document), path)
        except CatalogueError as exc:
            raise CatalogueError('%s: %s' % (path, exc)) from None
    return _CACHE[path]


def applicability(entry, features, server_role, findings=()):
    """Whether ``entry`` applies to a host of ``server_role`` at a site using ``features``: (bool, reason).

    An entry with ``node_can_apply`` also applies when one of the node's ``findings`` for it shows (``node_shows``) one
    of its ``applies_when`` features on the node itself (the Print Server role installed, whatever the site declared):
    reason ``node-shows-feature``."""
    if server_role not in entry['roles']:
        return False, 'role-not-in-scope'
    if entry['applies_when'] and not set(entry['applies_when']) & set(features or ()):
        if entry.get('node_can_apply') and node_shows(entry, findings):
            return True, 'node-shows-feature'
        return False, 'feature-not-used'
    return True, 'applies'


def node_shows(entry, findings):
    """The ``applies_when`` features of ``entry`` that its ``findings`` saw in use on the node (``node_shows``)."""
    seen = {feature for item in findings or () for feature in item.get('node_shows') or ()}
    return [feature for feature in entry['applies_when'] if feature in seen]


class _Specifics(dict):
    """The ``fix`` values of a finding for ``str.format_map``; a name the evaluator did not give stays as written."""

    def __missing__(self, key):
        return '{%s}' % key


def remediation(entry, status, reasons, fix=None, area_variants=None):
    """What to do about a finding of ``entry``: the variant of each reason (in order, each text once), the entry's own
    ``remediations`` first, else its area's (``area_variants``: the ``remediations`` of ``area_defaults``, written once for
    the ~85 port rows that share their reasons); else its ``remediation`` for a fail, warn or error. A pass gets a variant
    only when one of its reasons has one (advice such as ldap.user-containers' broad-base-dn), never the entry's
    remediation. ``fix`` fills the variants' ``{name}`` fields (the specifics an evaluator adds, such as a port or a product
    name); its ``variant``, when given, names the variant to take instead of the reason (one reason, two wordings: a
    service's port that answers nothing, or a flow's)."""
    fix = fix or {}
    variants = dict(area_variants or {}, **(entry.get('remediations') or {}))
    names = [fix['variant']] if fix.get('variant') else reasons
    texts = [variants[name].format_map(_Specifics(fix)) for name in names if name in variants]
    if not texts and status in ('fail', 'warn', 'error'):
        texts = [entry['remediation']]
    return ' '.join(dict.fromkeys(texts))


def enrich(finding, catalogue=None):
    """Fill a finding's ``source`` and its remediation from its catalogue entry (the one place remediation text is written:
    evaluators name the reason(s) and, in ``fix``, the specifics; ``fix`` is consumed here)."""
    catalogue = catalogue or load()
    entry = catalogue.get(finding['id'])
    result = dict(finding)
    fix = result.pop('fix', None)
    if not result.get('source'):
        result['source'] = entry['source']
    if not result.get('remediation'):
        result['remediation'] = remediation(entry, result.get('status'), result.get('reasons') or [result.get('reason')], fix,
                                            (catalogue.area_defaults.get(entry['area']) or {}).get('remediations'))
    return result


def entries_of(module, catalogue=None):
    """The IDs of the entries ``module`` implements, in catalogue order: the catalogue's ``implemented_by`` is the one registry
    from entry to module (action plugins take their error findings, the report its "implemented by", from here)."""
    catalogue = catalogue or load()
    return tuple(entry['id'] for entry in catalogue.entries if entry.get('implemented_by') == module)


def unknown_features(features, catalogue=None):
    """Feature names that are not in the catalogue's vocabulary."""
    catalogue = catalogue or load()
    return [name for name in features if name not in catalogue.features]


def unknown_ids(ids, catalogue=None):
    """Entry ids that are not in the catalogue."""
    catalogue = catalogue or load()
    return [entry_id for entry_id in ids if entry_id not in catalogue]


def summary_rows(catalogue=None, features=None, server_role=None):
    """One short row per entry, with applicability when a site profile is given."""
    catalogue = catalogue or load()
    rows = []
    for entry in catalogue.entries:
        applies, reason = (None, None)
        if features is not None and server_role is not None:
            applies, reason = applicability(entry, features, server_role)
        rows.append({'id': entry['id'], 'title': entry['title'], 'area': entry['area'], 'kind': entry['kind'],
                     'requirement': entry['requirement'], 'implemented_by': entry.get('implemented_by'),
                     'scope': entry['scope'], 'owner': entry['owner'], 'applies': applies, 'applies_reason': reason})
    return rows
