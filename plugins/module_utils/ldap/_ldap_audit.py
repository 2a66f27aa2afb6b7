# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streaming audit of the directory SafeQ replicates. PRIVATE to this collection.

ldap3 connects (LDAPS, StartTLS or plain), binds with the integration account and reads the root DSE and
schema; every user container is then walked with a paged search streamed over ``_ldap_channel`` and
decoded by ``_ldap_wire``, and ``_ldap_tally`` counts it: memory holds counters, examples and 16 bytes per
distinct login, card number and unique ID, never the entries. The result is plain data; ``_ldap_evaluate``
turns it into findings.
"""

from __future__ import annotations

import socket
import ssl
import time
import traceback

try:
    import ldap3
    from ldap3.core import exceptions as ldap3_exceptions
    from ldap3.protocol.microsoft import security_descriptor_control
    from ldap3.utils.conv import escape_bytes
    LDAP3_IMPORT_ERROR = None
except ImportError:
    ldap3 = ldap3_exceptions = escape_bytes = security_descriptor_control = None
    LDAP3_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_acl, _ldap_channel, _ldap_tally, _ldap_wire
from ansible_collections.safeq.preflight.plugins.module_utils.ports import _port_payloads
from ansible_collections.safeq.preflight.plugins.module_utils.ldap._ldap_tally import ATTRIBUTE_ROLES

PAGED_RESULTS_OID = '1.2.840.113556.1.4.319'
# Result codes that end a search part-way: the server's limit for this account, not the end of the container.
STOPPED_BY = {'sizeLimitExceeded': 'size-limit', 'adminLimitExceeded': 'size-limit', 'timeLimitExceeded': 'time-limit'}
MAX_HOLDERS_SHOWN = 5
DEFAULT_ATTRIBUTES = {
    'ad': {'login': 'sAMAccountName', 'first_name': 'givenName', 'surname': 'sn', 'department': 'department',
           'card_number': 'employeeNumber', 'unique_id': 'objectGUID', 'email': 'mail'},
    'openldap': {'login': 'uid', 'first_name': 'givenName', 'surname': 'sn', 'department': 'departmentNumber',
                 'card_number': 'employeeNumber', 'unique_id': 'entryUUID', 'email': 'mail'},
}
DEFAULT_FILTERS = {'ad': '(&(objectCategory=person)(objectClass=user))', 'openldap': '(objectClass=inetOrgPerson)'}
CHANGE_TRACKING = {'ad': ('uSNChanged', 'whenChanged'), 'openldap': ('modifyTimestamp', 'entryCSN')}
# The flag that marks a disabled account (ACCOUNTDISABLE); inetOrgPerson directories have no standard one.
DISABLED_FLAG = {'ad': ('userAccountControl', 0x2)}
# Active Directory's data codes in invalidCredentials diagnostics.
AD_BIND_CODES = {'52e': 'invalid-credentials', '530': 'logon-time-restricted', '531': 'workstation-restricted', '532': 'password-expired',
                 '533': 'account-disabled', '701': 'account-expired', '773': 'password-must-change', '775': 'account-locked'}


def _tcp(host, port, timeout, starttls):
    """A TCP connection to ``host:port``; with ``starttls`` the StartTLS extended operation done on it (raises OSError when refused)."""
    sock = socket.create_connection((host, port), timeout)
    if starttls:
        try:
            sock.sendall(_ldap_wire.tlv(0x30, b'\x02\x01\x01' + _ldap_wire.tlv(0x77, _ldap_wire.tlv(0x80, _ldap_channel.STARTTLS_OID))))
            code, message = _ldap_wire.read_response(sock, 1, 0x78)
        except (_ldap_wire.WireError, OSError) as exc:
            sock.close()
            raise OSError('StartTLS failed: %s' % exc) from None
        if code != 0:
            sock.close()
            raise OSError('StartTLS refused: %s' % _ldap_channel.result_text(code, message))
    return sock


def certificate_facts(host, port, timeout, ca_file, server_name, starttls=False):
    """TLS facts of ``host:port`` (after StartTLS when ``starttls``): protocol, subject, SANs, issuer, days to expiry, and whether it
    validates and matches."""
    facts = {'protocol': None, 'subject': None, 'issuer': None, 'sans': [], 'not_after': None, 'days_to_expiry': None,
             'valid': False, 'name_matches': None, 'error': None}
    raw = None
    try:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # facts of whatever is presented; trust is checked below
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with _tcp(host, port, timeout, starttls) as sock, context.wrap_socket(sock) as tls:
            raw = tls.getpeercert(binary_form=True)
            facts['protocol'] = tls.version()
    except (OSError, ssl.SSLError) as exc:
        facts['error'] = 'TLS handshake failed: %s' % exc
        return facts
    parsed = _port_payloads.certificate_facts(raw, server_name) if raw else {'parse_error': 'no certificate presented'}
    if not parsed['parse_error']:
        facts.update(subject=parsed['subject'], issuer=parsed['issuer'], sans=parsed['san_dns'] + parsed['san_ip'],
                     not_after=parsed['not_after'], days_to_expiry=parsed['days_left'])
    try:
        context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        with _tcp(host, port, timeout, starttls) as sock, context.wrap_socket(sock, server_hostname=server_name):
            facts['valid'] = True
            facts['name_matches'] = True
    except ssl.SSLCertVerificationError as exc:
        facts['error'] = exc.verify_message or str(exc)
        facts['name_matches'] = 'hostname mismatch' not in str(exc).lower() and "doesn't match" not in str(exc).lower() \
            and 'ip address mismatch' not in str(exc).lower()
    except (OSError, ssl.SSLError) as exc:
        facts['error'] = str(exc)
    return facts


def _bind_reason(result):
    message = str(result.get('message') or '')
    if result.get('description') == 'invalidCredentials':
        for code, reason in AD_BIND_CODES.items():
            if 'data %s' % code in message:
                return reason
        return 'invalid-credentials'
    if result.get('description') == 'strongerAuthRequired':
        return 'stronger-auth-required'
    return str(result.get('description') or 'bind-failed')


def _server(options, host):
    tls = None
    if options['security'] in ('ldaps', 'starttls'):
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED if options['validate_certs'] else ssl.CERT_NONE, ca_certs_file=options.get('ca_file'),
                        valid_names=[options['tls_server_name']] if options.get('tls_server_name') else None)
    return ldap3.Server(host, port=options['port'], use_ssl=options['security'] == 'ldaps', tls=tls, get_info=ldap3.NONE,
                        connect_timeout=options['timeout'])


def _open(options, host, bind_dn, bind_password):
    """An open (not yet bound) ldap3 connection to ``host``, StartTLS done when asked for."""
    connection = ldap3.Connection(_server(options, host), bind_dn, bind_password, raise_exceptions=False,
                                  receive_timeout=max(1, int(round(options['timeout']))), read_only=True,
                                  check_names=False)  # raw values are counted; schema formatting would double the cost
    connection.open()
    # ldap3 leaves Nagle's algorithm on: the bind written after the TLS handshake then waits 40 ms for an ACK.
    connection.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if options['security'] == 'starttls':
        connection.start_tls()
    return connection


def check_server(options, host):
    """Reachability and TLS facts of one server."""
    started = time.monotonic()
    facts = {'host': host, 'port': options['port'], 'reachable': False, 'error': None, 'rtt_ms': None, 'tls': None}
    try:
        with socket.create_connection((host, options['port']), options['timeout']):
            facts['reachable'] = True
            facts['rtt_ms'] = round((time.monotonic() - started) * 1000, 1)
    except OSError as exc:
        facts['error'] = str(exc)
        return facts
    if options['security'] in ('ldaps', 'starttls'):
        facts['tls'] = certificate_facts(host, options['port'], options['timeout'], options.get('ca_file'), options.get('tls_server_name') or host,
                                         starttls=options['security'] == 'starttls')
    return facts


def _empty_audit(options):
    return {'servers': [], 'bound': False, 'bind_server': None, 'bind_reason': None, 'bind_message': None, 'root_dse': None,
            'directory_type': options.get('directory_type'), 'attributes': dict(options['attributes'] or {}), 'containers': [],
            'totals': {'users': 0, 'present': dict.fromkeys(ATTRIBUTE_ROLES, 0)}, 'duplicates': {}, 'change_tracking': {},
            'binary_unique_id': False, 'error': None, 'size_limit_hit': False, 'unknown_attributes': {}, 'disabled': None,
            'unreadable_attributes': {}, 'acl_checked': False, 'privileged': None, 'bind_attempts': [],
            'attribute_aliases': {}}


def audit(options):
    """Run the whole audit; return plain data (never raises for directory problems)."""
    if ldap3 is None:
        raise ImportError(LDAP3_IMPORT_ERROR)
    result = _empty_audit(options)
    for host in options['servers']:
        result['servers'].append(check_server(options, host))
    reachable = [s['host'] for s in result['servers'] if s['reachable']]
    if not reachable:
        result['error'] = 'no LDAP server is reachable'
        return result
    connection = _bind_everywhere(options, reachable, result)
    if connection is None:
        return result
    try:
        _read_directory(connection, options, result)
    except (ldap3_exceptions.LDAPException, _ldap_wire.WireError, OSError) as exc:
        result['error'] = 'the directory connection failed during the audit: %s' % exc
        for container in result['containers']:  # the one being read when it happened (its count is partial)
            if container['reason'] is None and not container['complete']:
                container.update(reason='connection-lost', error=str(exc))
        read = {c['dn'] for c in result['containers']}
        result['containers'] += [_new_container(base, result, reason='connection-lost', error='not read: the connection was lost before')
                                 for base in options['base_dns'] if base not in read]
    finally:
        try:
            connection.unbind()
        except ldap3_exceptions.LDAPException:
            pass
    return result


def _bind_everywhere(options, hosts, result):
    """Bind on every reachable server, primary first: a server SafeQ may use whose bind fails is named even when another binds.
    Returns the bound connection of the first server that binds (the audit reads through it), or None."""
    bound = None
    for host in hosts:
        attempt = {'host': host, 'bound': False, 'reason': None, 'message': None}
        result['bind_attempts'].append(attempt)
        try:
            connection = _open(options, host, options.get('bind_dn'), options.get('bind_password'))
            if connection.bind():
                attempt['bound'] = True
            else:
                attempt.update(reason=_bind_reason(connection.result), message=connection.result.get('message'))
        except ldap3_exceptions.LDAPException as exc:
            attempt.update(reason='connection-failed', message=str(exc))
            continue
        if attempt['bound'] and bound is None:
            bound = connection
            result.update(bound=True, bind_server=host)
            continue
        try:
            connection.unbind()
        except ldap3_exceptions.LDAPException:
            pass
    failed = [a for a in result['bind_attempts'] if not a['bound']]
    if bound is None and failed:  # the primary's failure (the first tried) is the one reported
        result.update(bind_reason=failed[0]['reason'], bind_message=failed[0]['message'], bind_server=failed[0]['host'])
    return bound


def _root_dse(connection, result):
    info = connection.server.info
    controls = [c[0] for c in (info.supported_controls or [])] if info else []
    vendor = ' '.join(info.vendor_name or []) if info else ''
    contexts = [str(c) for c in (info.naming_contexts or [])] if info else []
    is_ad = bool(info and (info.other.get('forestFunctionality') or info.other.get('isGlobalCatalogReady')
                           or PAGED_RESULTS_OID in controls and 'DC=' in ''.join(contexts) and info.other.get('dsServiceName')))
    result['root_dse'] = {'vendor': vendor or ('Active Directory' if is_ad else 'unknown'), 'naming_contexts': contexts,
                          'paged_results': PAGED_RESULTS_OID in controls, 'default_naming_context': (info.other.get('defaultNamingContext') or [None])[0]
                          if info else None}
    return 'ad' if is_ad else 'openldap'


def _read_directory(connection, options, result):
    # Root DSE and schema once, as the integration account sees them (ldap3 would read them on open and again on bind).
    connection.server.get_info = ldap3.ALL
    connection.refresh_server_info()
    directory_type = options.get('directory_type') or 'auto'
    detected = _root_dse(connection, result)
    if directory_type == 'auto':
        directory_type = detected
    result['directory_type'] = directory_type
    attributes = dict(DEFAULT_ATTRIBUTES[directory_type])
    attributes.update({k: v for k, v in (options.get('attributes') or {}).items() if v})
    schema = connection.server.schema
    if schema is not None and schema.attribute_types:
        # An OID or a schema alias (surname, 2.5.4.4) names the attribute the server returns under its primary name (sn).
        names = {role: schema_name(schema.attribute_types, name) for role, name in attributes.items()}
        result['unknown_attributes'] = {role: attributes[role] for role, name in names.items() if name is None}
        result['attribute_aliases'] = {role: attributes[role] for role, name in names.items() if name and name != attributes[role]}
        attributes.update({role: name for role, name in names.items() if name})
    result['attributes'] = attributes
    result['binary_unique_id'] = attributes['unique_id'].lower() == 'objectguid'
    tracking = CHANGE_TRACKING[directory_type]
    user_filter = options.get('user_filter') or DEFAULT_FILTERS[directory_type]
    # ldap3 refuses (client side) to request an attribute the schema does not know: ask only for known ones.
    disabled_flag = DISABLED_FLAG.get(directory_type)
    requested = sorted((set(attributes.values()) | set(tracking) | ({disabled_flag[0]} if disabled_flag else set()))
                       - set(result['unknown_attributes'].values()))
    tally = _ldap_tally.Tally(attributes, tracking, options.get('sample_size', 5), disabled_flag)
    filter_ber = _ldap_wire.encode_filter(user_filter)
    stream = _Stream(connection, options, result['bind_server'], tally, filter_ber, requested)
    access = _Access(connection, options, result, directory_type, filter_ber)
    try:
        for base in options['base_dns']:
            container = _new_container(base, result)
            result['containers'].append(container)
            _read_container(connection, result, container, stream, access)
        stream.close()
        result['unreadable_attributes'] = access.unreadable_attributes(result, attributes)
    finally:
        stream.close()
        access.close()
        result['totals'] = _with_coverage({'users': tally.users, 'present': tally.present_by_role()})
        for container in result['containers']:
            _with_coverage(container)
    result['change_tracking'] = tally.change_tracking()
    if disabled_flag:
        result['disabled'] = {'users': tally.disabled, 'examples': tally.disabled_examples, 'flag': '%s & %d' % disabled_flag}
    _name_every_holder(connection, result, tally.example_values(), user_filter)
    result['duplicates'] = tally.duplicates()


def schema_name(attribute_types, name):
    """The primary name of the attribute type ``name`` (a name, an alias or an OID, any case) in the schema; None when unknown."""
    try:
        info = attribute_types[name]
    except KeyError:
        return None
    return info.name[0] if info.name else name


def _new_container(base, result, **state):
    container = {'dn': base, 'exists': False, 'listable': False, 'reason': None, 'code': None, 'users': 0, 'streamed': False,
                 'complete': False, 'present': dict.fromkeys(ATTRIBUTE_ROLES, 0), 'missing_examples': {role: [] for role in ATTRIBUTE_ROLES},
                 'error': None, 'naming_context': _is_naming_context(base, result), 'privileged_users': None}
    container.update(state)
    return container


def _normal_dn(dn):
    return ','.join(part.strip() for part in str(dn).lower().split(','))


def _is_naming_context(base, result):
    """Whether ``base`` is a naming context (the domain root on AD): what the account may not list below it goes unseen."""
    return _normal_dn(base) in {_normal_dn(c) for c in (result['root_dse'] or {}).get('naming_contexts', [])}


def _with_coverage(counts):
    """Add missing counts and coverage in percent per role to a dict with users and present."""
    users = counts['users']
    counts['missing'] = {role: users - present for role, present in counts['present'].items()}
    counts['coverage'] = {role: round(100.0 * present / users, 2) if users else None for role, present in counts['present'].items()}
    return counts


def _name_every_holder(connection, result, examples, user_filter):
    """The stream only knows the entries that repeated a value; one small search per example names all holders."""
    bases = [c['dn'] for c in result['containers'] if c['listable']]
    for role, example, value in examples:
        assertion = '(&%s(%s=%s))' % (user_filter, result['attributes'][role], escape_bytes(value))
        holders = []
        for base in bases:
            connection.search(base, assertion, search_scope=ldap3.SUBTREE, attributes=['1.1'], size_limit=MAX_HOLDERS_SHOWN)
            holders += [r['dn'] for r in connection.response or [] if r.get('type') == 'searchResEntry']
        if holders:
            example['dns'] = holders[:MAX_HOLDERS_SHOWN]


class _Stream:
    """What the searches of all containers share: the tally, the encoded filter, the attributes, and the channel
    (opened on first use: the server ldap3 bound on, pinned to the certificate ldap3 validated)."""

    def __init__(self, connection, options, host, tally, filter_ber, requested, bind_dn=None, bind_password=None):
        self._connection, self._options, self._host = connection, options, host
        self.tally, self.filter_ber, self.requested = tally, filter_ber, requested
        self._bind = (bind_dn, bind_password) if bind_dn else (options.get('bind_dn'), options.get('bind_password'))
        self._channel = None

    def channel(self):
        if self._channel is None:
            options = self._options
            pinned = self._connection.socket.getpeercert(binary_form=True) if options['security'] in ('ldaps', 'starttls') else None
            self._channel = _ldap_channel.open_channel(self._host, options['port'], options['security'], options['timeout'], self._bind[0],
                                                       self._bind[1], options.get('tls_server_name'), pinned)
        return self._channel

    def search(self, base, attributes=None, keep=None):
        channel = self.channel()
        return _ldap_wire.PagedSearch(channel, channel.next_message_id, base, self.filter_ber, self.requested if attributes is None else attributes,
                                      self._options['page_size'], keep=self.tally.value_keys() if keep is None else keep)

    def close(self):
        if self._channel is not None:
            self._channel.close()
            self._channel = None


def _entry(connection):
    """The raw attributes of the first entry of the last search (lower-case names), or None when no entry came back."""
    for item in connection.response or []:
        if item.get('type') == 'searchResEntry':
            return {name.lower(): values for name, values in (item.get('raw_attributes') or {}).items() if values}
    return None


class _Access:
    """Tells "empty" from "not allowed to see": the account's own view of each container (its objectClass and name; on
    Active Directory its DACL against the account's token), and, when the user gives one, a privileged account's view."""

    def __init__(self, connection, options, result, directory_type, filter_ber):
        self._connection, self._options, self._result, self._filter_ber = connection, options, result, filter_ber
        self.token = None
        self._privileged = self._privileged_stream = None
        self._guids = {}
        if directory_type == 'ad':
            self.token = self._read_token()
            result['acl_checked'] = self.token is not None
        if options.get('privileged_bind_dn'):
            self._open_privileged()

    def _read_token(self):
        """The SIDs of the integration account's token (tokenGroups of the root DSE, as AD constructs it for the caller)."""
        self._connection.search('', '(objectClass=*)', search_scope=ldap3.BASE, attributes=['tokenGroups'])
        entry = _entry(self._connection) or {}
        try:
            sids = {_ldap_acl.sid_text(value)[0] for value in entry.get('tokengroups', [])}
        except _ldap_acl.AclError:
            return None
        # Every simple bind of an account carries Everyone and Authenticated Users, whether or not the list names them.
        return (sids | _ldap_acl.AUTHENTICATED) if sids else None

    def _open_privileged(self):
        options, host = self._options, self._result['bind_server']
        state = {'bind_dn': options['privileged_bind_dn'], 'bound': False, 'reason': None, 'message': None}
        self._result['privileged'] = state
        try:
            connection = _open(options, host, options['privileged_bind_dn'], options.get('privileged_bind_password'))
            if not connection.bind():
                state.update(reason=_bind_reason(connection.result), message=connection.result.get('message'))
                return
        except ldap3_exceptions.LDAPException as exc:
            state.update(reason='connection-failed', message=str(exc))
            return
        state['bound'] = True
        self._privileged = connection
        self._privileged_stream = _Stream(self._connection, options, host, None, self._filter_ber, ['1.1'],
                                          options['privileged_bind_dn'], options.get('privileged_bind_password'))

    def close(self):
        if self._privileged_stream is not None:
            self._privileged_stream.close()
        if self._privileged is not None:
            try:
                self._privileged.unbind()
            except ldap3_exceptions.LDAPException:
                pass
            self._privileged = None

    def _dacl(self, dn):
        """The DACL of ``dn`` as the integration account reads it (None: not readable)."""
        self._connection.search(dn, '(objectClass=*)', search_scope=ldap3.BASE, attributes=['nTSecurityDescriptor'],
                                controls=security_descriptor_control(sdflags=_ldap_acl.SD_FLAGS_DACL))  # a list of one
        entry = _entry(self._connection) or {}
        if not entry.get('ntsecuritydescriptor'):
            return False
        try:
            return _ldap_acl.parse_dacl(entry['ntsecuritydescriptor'][0])
        except _ldap_acl.AclError:
            return False

    def privileged_sees(self, dn):
        """Whether the privileged account finds ``dn`` (None without a privileged account)."""
        if self._privileged is None:
            return None
        self._privileged.search(dn, '(objectClass=*)', search_scope=ldap3.BASE, attributes=['1.1'])
        return self._privileged.result.get('description') == 'success' and _entry(self._privileged) is not None

    def container_problem(self, container, entry):
        """Why the integration account cannot see into a container it found (None: nothing against it)."""
        if entry is None:
            return 'the base search of the container returned success without the entry'
        if not entry.get('objectclass'):
            return 'the account cannot read the attributes of the container itself (objectClass, name come back empty)'
        if self.token is not None:
            dacl = self._dacl(container['dn'])
            if dacl is not False:
                verdict, ace = _ldap_acl.access(dacl, self.token, _ldap_acl.LIST_CONTENTS)
                if verdict != 'granted':
                    return _ldap_acl.describe(verdict, ace, _ldap_acl.LIST_CONTENTS)
        return None

    def privileged_count(self, container):
        """Users matching the filter under the container as the privileged account counts them (None without one)."""
        if self._privileged_stream is None:
            return None
        try:
            search = self._privileged_stream.search(container['dn'], attributes=['1.1'], keep=set())
            seen = sum(len(page) for page in search.pages())
        except (_ldap_wire.WireError, OSError) as exc:  # the comparison is extra: its failure must not end the audit
            self._privileged_stream.close()
            self._privileged_stream = None
            self._result['privileged']['message'] = 'the count comparison stopped: %s' % exc
            return None
        return seen if search.result == 'success' else None

    def _attribute_guids(self, names):
        """lower-case attribute name -> (schemaIDGUID, attributeSecurityGUID) texts, read from the schema once."""
        wanted = [n for n in names if n.lower() not in self._guids]
        schema_nc = (self._connection.server.info.other.get('schemaNamingContext') or [None])[0] if self._connection.server.info else None
        if wanted and schema_nc:
            self._connection.search(schema_nc, '(|%s)' % ''.join('(lDAPDisplayName=%s)' % escape_bytes(n.encode('utf-8')) for n in wanted),
                                    search_scope=ldap3.LEVEL, attributes=['lDAPDisplayName', 'schemaIDGUID', 'attributeSecurityGUID'])
            for item in self._connection.response or []:
                raw = {k.lower(): v for k, v in (item.get('raw_attributes') or {}).items() if v}
                if item.get('type') == 'searchResEntry' and raw.get('ldapdisplayname') and raw.get('schemaidguid'):
                    self._guids[raw['ldapdisplayname'][0].decode('utf-8').lower()] = (
                        _ldap_acl.guid_text(raw['schemaidguid'][0]),
                        _ldap_acl.guid_text(raw['attributesecurityguid'][0]) if raw.get('attributesecurityguid') else None)
        return self._guids

    def unreadable_attributes(self, result, attributes):
        """Per role whose attribute some users lack: which of the example users hold it but may not show it to the account.

        A few base searches per role (its example DNs, at most sample_size): the DACL of the user on AD, and the
        privileged account's view of the attribute when one is given. Never a search per streamed entry.
        """
        found = {}
        limit = self._options.get('sample_size', 5)
        roles = [r for r in ATTRIBUTE_ROLES if r not in result['unknown_attributes']
                 and any(c['missing_examples'][r] for c in result['containers'])]
        if not roles or (self.token is None and self._privileged is None):
            return found
        guids = self._attribute_guids([attributes[r] for r in roles]) if self.token is not None else {}
        for role in roles:
            name = attributes[role]
            examples = [dn for c in result['containers'] for dn in c['missing_examples'][role]][:limit]
            unreadable, why = [], []
            for dn in examples:
                reason = None
                if self._privileged is not None:
                    self._privileged.search(dn, '(objectClass=*)', search_scope=ldap3.BASE, attributes=[name])
                    if (_entry(self._privileged) or {}).get(name.lower()):
                        reason = 'a privileged account reads a value'
                if reason is None and self.token is not None and name.lower() in guids:
                    dacl = self._dacl(dn)
                    if dacl is not False:
                        verdict, ace = _ldap_acl.access(dacl, self.token, _ldap_acl.READ_PROPERTY, guids[name.lower()])
                        if verdict != 'granted':
                            reason = _ldap_acl.describe(verdict, ace, _ldap_acl.READ_PROPERTY)
                if reason:
                    unreadable.append(dn)
                    why.append(reason)
            if unreadable:
                found[role] = {'attribute': name, 'checked': len(examples), 'examples': unreadable, 'why': sorted(set(why))}
        return found


def _read_container(connection, result, container, stream, access):
    """One user container: can the account see it (and into it), then every user in it counted into the tally."""
    base = container['dn']
    connection.search(base, '(objectClass=*)', search_scope=ldap3.BASE, attributes=['objectClass', 'name'])
    code = connection.result.get('description')
    if code == 'noSuchObject':
        if access.privileged_sees(base):
            container.update(exists=True, reason='container-unreadable',
                             error='the integration account gets noSuchObject, the privileged account finds it: hidden by an ACL')
        else:
            container['reason'] = 'container-missing'
        return
    if code == 'insufficientAccessRights':
        container.update(exists=True, reason='container-unreadable', error='insufficientAccessRights')
        return
    if code == 'invalidDNSyntax':
        container.update(reason='container-dn-invalid', error='%s: %s' % (code, connection.result.get('message')))
        return
    if code != 'success':
        container.update(reason='search-failed', code=code, error='%s: %s' % (code, connection.result.get('message')))
        return
    container['exists'] = True
    problem = access.container_problem(container, _entry(connection))
    if problem:
        container.update(reason='container-unreadable', error=problem)
        return
    container['listable'] = True
    container['streamed'] = True
    stream.tally.open_container(container)
    try:
        search = stream.search(base)
        for page in search.pages():
            stream.tally.add_page(page)
    except (_ldap_wire.WireError, OSError) as exc:
        container.update(reason='connection-lost', error=str(exc))
        raise
    finally:
        stream.tally.close_container()
    if search.result != 'success':
        # The server ended the search before its last entry: what was counted is part of the container only.
        reason = STOPPED_BY.get(search.result, 'search-failed')
        result['size_limit_hit'] = result['size_limit_hit'] or reason == 'size-limit'
        container.update(reason=reason, code=search.result, error='%s after %d user(s)%s' % (
            search.result, container['users'], (': %s' % search.message) if search.message else ''))
        return
    container['complete'] = True
    seen = access.privileged_count(container)
    if seen is not None:
        container['privileged_users'] = seen
        if seen > container['users']:
            container.update(reason='container-unreadable', error='the integration account sees %d of the %d users a privileged account '
                             'sees here: the others are in entries or OUs it may not list' % (container['users'], seen))
