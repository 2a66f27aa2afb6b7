#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ldap_attribute_check
short_description: Audit the directory SafeQ replicates users from (rights, attribute coverage, duplicates, TLS)
version_added: 0.1.0
description:
  - Connects to each LDAP server (LDAPS, StartTLS or plain), checks reachability and the TLS certificate (validity, days to
    expiry, name), binds with the integration account, maps the domains to naming contexts, and walks every user container
    with a paged search as a stream, counting per attribute how many users have it and finding duplicate logins, card numbers
    and unique IDs. Memory holds counters, a few examples and 16 bytes per distinct login, card number and unique ID, never the
    entries.
  - The paged searches run over a second connection to the server the integration account bound on (the same port, bound
    with the same account; with TLS it must present the very certificate the first connection validated), read with a
    decoder of search entries built for this audit. About as fast as C(ldapsearch) fetching the same attributes.
  - "Evaluates the catalogue's LDAP lines: V(ldap.primary-server), V(ldap.domain-names), V(ldap.user-containers), V(ldap.login),
    V(ldap.name-surname), V(ldap.department), V(ldap.card-number), V(ldap.unique-id), V(ldap.email), V(ldap.replication)
    and V(ldap.integration-account)."
  - "Tells an empty container from one the integration account may not see into. OpenLDAP refuses such a search
    (C(insufficientAccessRights) with the C(disclose) right); Active Directory and Samba answer it with success and no
    entries, and return the container from a base search without its attributes. So each container is first read with a
    base search of its own objectClass and name (empty: V(container-unreadable)); on Active Directory its DACL is read as
    the integration account (C(nTSecurityDescriptor), DACL only) and checked against the SIDs of the account's token
    (C(tokenGroups) of the root DSE): List Contents denied or not granted is V(container-unreadable), with the ACE that
    decides. The constructed attributes allowedChildClassesEffective and allowedAttributesEffective are not used: they
    tell what the account may create and write, not what it may read."
  - "Users the account lists but whose mapped attribute it may not read (Read Property denied on the attribute or its
    property set) are V(attribute-unreadable), not missing: for each attribute some users lack, the example users are
    checked (their DACL on Active Directory, the privileged account's view with O(privileged_bind_dn))."
  - "A container DN that does not exist is V(container-missing) on V(ldap.user-containers) only; it does not count
    against the integration account. (An object hidden by an ACL answers noSuchObject too: O(privileged_bind_dn) tells the
    two apart.)"
  - "When a base DN is the root of a naming context (the domain root), an OU below it that the account may not list is
    invisible to it: the finding's detail says so and recommends listing the user containers explicitly (or
    O(privileged_bind_dn), whose count comparison covers it)."
  - "A finding with several reasons (a container-empty warning and disabled users in scope, say) reports them all:
    C(reasons) lists every one, worst first, and the detail names each."
  - Runs on the controller or a delegated POSIX host (C(delegate_to), usually with C(run_once)); never on a Windows node.
  - Read-only; identical under C(--check).
requirements:
  - ldap3 >= 2.9 (on the host the module runs on)
options:
  servers:
    description: LDAP servers, primary first (host names or addresses).
    type: list
    elements: str
    required: true
  port:
    description: Port; 636 with O(security=ldaps), 389 otherwise.
    type: int
  security:
    description: V(ldaps) (TLS from the start), V(starttls) or V(none).
    type: str
    choices: [ldaps, starttls, none]
    default: ldaps
  ca_file:
    description: CA bundle (PEM) that issued the directory certificate; the system store when omitted.
    type: path
  validate_certs:
    description: Validate the server certificate when binding. The certificate findings (LDAPS and StartTLS) are made either way.
    type: bool
    default: true
  tls_server_name:
    description: Name to check the certificate against when O(servers) are addresses.
    type: str
  bind_dn:
    description: DN (or user@domain on Active Directory) of the integration account.
    type: str
  bind_password:
    description: Password of the integration account. Never logged or returned.
    type: str
  privileged_bind_dn:
    description:
      - DN (or user@domain) of a second, privileged account (for example a read-only domain auditor) to compare with. Optional.
      - "With it the audit also tells what the integration account cannot see: a container DN the account gets no answer for
        but the privileged account finds is V(container-unreadable), not V(container-missing); a container where the privileged
        account counts more users matching the filter than the integration account (an OU or entries below it that the
        account may not list, also under a broad base DN) is V(container-unreadable); and users without a mapped attribute
        whose value the privileged account reads are V(attribute-unreadable)."
      - Only reads. Per container one base search and one paged search that returns DNs only; per attribute role a base
        search of each example user (at most O(sample_size)).
    type: str
  privileged_bind_password:
    description: Password of O(privileged_bind_dn) (required with it). Never logged or returned.
    type: str
  domains:
    description: Domain names SafeQ replicates (for example C(example.com)); each must map to a naming context.
    type: list
    elements: str
    default: []
  base_dns:
    description: DNs of the containers with users; none may be equal to or beneath another (its users would be counted twice).
    type: list
    elements: str
    required: true
  user_filter:
    description: LDAP filter of the users; by directory type when omitted.
    type: str
  directory_type:
    description: V(ad), V(openldap) or V(auto) (from the root DSE); chooses the attribute and filter defaults.
    type: str
    choices: [auto, ad, openldap]
    default: auto
  attributes:
    description:
      - Attribute names SafeQ maps, by role. Defaults on Active Directory - login C(sAMAccountName), first_name C(givenName),
        surname C(sn), department C(department), card_number C(employeeNumber), unique_id C(objectGUID), email C(mail); on
        inetOrgPerson directories - C(uid), C(givenName), C(sn), C(departmentNumber), C(employeeNumber), C(entryUUID), C(mail).
    type: dict
    default: {}
  thresholds:
    description:
      - Minimum coverage in percent per role. Mandatory roles default to 100 (below is V(fail)); card_number defaults to 95
        and email to 90 (below is V(warn)).
    type: dict
    default: {}
  page_size:
    description: Entries per page of the paged search (Active Directory's MaxPageSize is 1000).
    type: int
    default: 500
  sample_size:
    description: How many example DNs to show per problem.
    type: int
    default: 5
  timeout:
    description: Seconds for connecting and for each answer.
    type: float
    default: 10
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - safeq.preflight.attributes
  - safeq.preflight.attributes.controller
seealso:
  - module: safeq.preflight.sql_browser_probe
author:
  - safeq.preflight contributors (@safeq-preflight)
"""

EXAMPLES = r"""
- name: Audit Active Directory over LDAPS, once, from the controller
  safeq.preflight.ldap_attribute_check:
    servers: [dc1.example.com, dc2.example.com]
    ca_file: /etc/pki/example-root-ca.pem
    bind_dn: svc-safeq@example.com
    bind_password: "{{ vault_safeq_ldap_password }}"
    domains: [example.com]
    base_dns: ["OU=Staff,DC=example,DC=com", "OU=Students,DC=example,DC=com"]
    attributes:
      card_number: extensionAttribute5
      department: departmentNumber
  delegate_to: localhost
  run_once: true

- name: Audit OpenLDAP with StartTLS
  safeq.preflight.ldap_attribute_check:
    servers: [ldap.example.org]
    security: starttls
    bind_dn: cn=safeq,ou=Service,dc=example,dc=org
    bind_password: "{{ vault_safeq_ldap_password }}"
    base_dns: ["ou=People,dc=example,dc=org"]
    thresholds: {email: 100}
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
servers:
  description: Reachability and TLS facts per server.
  returned: always
  type: list
  elements: dict
  sample: [{host: dc1.example.com, port: 636, reachable: true, rtt_ms: 1.2,
            tls: {protocol: TLSv1.3, days_to_expiry: 200, valid: true, name_matches: true, issuer: CN=Example Root CA}}]
root_dse:
  description: Vendor, naming contexts and whether paged results are supported.
  returned: when the bind succeeded
  type: dict
  sample: {vendor: OpenLDAP, naming_contexts: ["dc=example,dc=org"], paged_results: true}
containers:
  description:
    - Per container - exists, listable, users counted, and per attribute role how many users have it (C(present)), lack it
      (C(missing)) and the coverage in percent (C(coverage)), with example DNs of users missing each (C(missing_examples)).
    - C(reason) is why a container was not counted, or not to its end (V(container-missing), V(container-unreadable),
      V(container-dn-invalid), V(search-failed), V(size-limit), V(time-limit), V(connection-lost)), C(code) the LDAP result
      code and C(error) the detail (for V(container-unreadable) what the account was refused, e.g. the ACE that denies List
      Contents); C(streamed) whether its user search began and C(complete) whether it reached its end; C(naming_context)
      whether the DN is the root of a naming context; C(privileged_users) the users the privileged account counts there
      (C(null) without O(privileged_bind_dn)).
  returned: always
  type: list
  elements: dict
  sample: [{dn: "ou=People,dc=example,dc=org", exists: true, listable: true, users: 40000, present: {department: 39998},
            missing: {department: 2}, coverage: {department: 99.99}, missing_examples: {department: ["uid=x,ou=People,dc=example,dc=org"]},
            reason: null, code: null, error: null, streamed: true, complete: true, naming_context: false, privileged_users: null}]
totals:
  description: Users counted, and attributes present, missing and coverage in percent, over all containers.
  returned: always
  type: dict
  sample: {users: 40000, present: {login: 40000, department: 39998}, missing: {login: 0, department: 2},
           coverage: {login: 100.0, department: 99.99}}
disabled:
  description:
    - On Active Directory, users the filter matches whose account is disabled (C(userAccountControl) flag 2) - how many and
      examples; SafeQ would replicate them. C(null) on directories without a standard flag.
  returned: always
  type: dict
  sample: {users: 3, examples: ["CN=Old User,OU=Staff,DC=example,DC=com"], flag: userAccountControl & 2}
change_tracking:
  description: Per change-tracking attribute, how many users it was readable on (uSNChanged, whenChanged; modifyTimestamp, entryCSN).
  returned: always
  type: dict
  sample: {uSNChanged: 40000, whenChanged: 40000}
size_limit_hit:
  description: Whether a server size limit cut a search short (then counts are incomplete).
  returned: always
  type: bool
  sample: false
duplicates:
  description:
    - Values of login, card_number and unique_id held by more than one entry - how many such values, and up to O(sample_size)
      examples with the value (hex for a binary unique ID), how many entries hold it and the DNs of up to 5 of them.
  returned: always
  type: dict
  sample: {card_number: {values: 1, examples: [{value: '4000000000', entries: 2,
                                                dns: ["uid=a,ou=People,dc=example,dc=org", "uid=b,ou=People,dc=example,dc=org"]}]}}
unreadable_attributes:
  description:
    - Per attribute role, users without a value whom the integration account may not read it on - the attribute, how many
      example users were checked, those it may not read it on, and why (the deciding ACE, or that the privileged account
      reads a value). Empty when every checked example really lacks the attribute.
  returned: always
  type: dict
  sample: {department: {attribute: department, checked: 1, examples: ["CN=A,OU=Staff,DC=example,DC=com"],
                        why: ["Read Property is denied to it by an ACE for S-1-5-21-1-2-3-1107 (inherited)"]}}
acl_checked:
  description: Whether the audit could read the integration account's token (Active Directory) and so check DACLs.
  returned: always
  type: bool
  sample: true
bind_attempts:
  description: The integration account's bind on each reachable server, primary first - host, whether it bound, reason and message.
  returned: always
  type: list
  elements: dict
  sample: [{host: dc1.example.com, bound: false, reason: account-locked, message: "... data 775, v4563"},
           {host: dc2.example.com, bound: true, reason: null, message: null}]
attribute_aliases:
  description: Per role whose attribute was given by a schema alias or an OID, the name as given (C(attributes) holds the schema's name).
  returned: always
  type: dict
  sample: {surname: surname}
privileged:
  description: The comparison account - its DN, whether it bound, and why not. C(null) without O(privileged_bind_dn).
  returned: always
  type: dict
  sample: {bind_dn: auditor@example.com, bound: true, reason: null, message: null}
findings:
  description:
    - Findings for the checklist's LDAP lines. C(reason) is the leading reason; C(reasons) lists every reason the entry has,
      worst first (for example V(container-empty) and V(disabled-users-in-scope) on V(ldap.user-containers)).
      V(ldap.user-containers) reasons - V(container-missing), V(container-unreadable), V(container-dn-invalid), V(search-failed),
      V(size-limit), V(time-limit), V(connection-lost), V(container-empty), V(disabled-users-in-scope), V(broad-base-dn),
      V(containers-listed). V(ldap.integration-account) adds V(container-unreadable), V(attribute-unreadable),
      V(search-refused), V(size-limit), V(time-limit) and V(nothing-listed) to the bind reasons; the attribute lines add
      V(attribute-unreadable), V(read-incomplete) and V(no-users-read).
  returned: always
  type: list
  elements: dict
  sample: [{id: ldap.department, status: fail, reason: coverage-below-threshold, reasons: [coverage-below-threshold],
            detail: "department (departmentNumber): 39998 of 40000 users"}]
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.safeq.preflight.plugins.module_utils.ldap import _ldap_audit, _ldap_evaluate

ARGUMENT_SPEC = {
    'servers': {'type': 'list', 'elements': 'str', 'required': True},
    'port': {'type': 'int'},
    'security': {'type': 'str', 'choices': ['ldaps', 'starttls', 'none'], 'default': 'ldaps'},
    'ca_file': {'type': 'path'},
    'validate_certs': {'type': 'bool', 'default': True},
    'tls_server_name': {'type': 'str'},
    'bind_dn': {'type': 'str'},
    'bind_password': {'type': 'str', 'no_log': True},
    'privileged_bind_dn': {'type': 'str'},
    'privileged_bind_password': {'type': 'str', 'no_log': True},
    'domains': {'type': 'list', 'elements': 'str', 'default': []},
    'base_dns': {'type': 'list', 'elements': 'str', 'required': True},
    'user_filter': {'type': 'str'},
    'directory_type': {'type': 'str', 'choices': ['auto', 'ad', 'openldap'], 'default': 'auto'},
    'attributes': {'type': 'dict', 'default': {}},
    'thresholds': {'type': 'dict', 'default': {}},
    'page_size': {'type': 'int', 'default': 500},
    'sample_size': {'type': 'int', 'default': 5},
    'timeout': {'type': 'float', 'default': 10.0},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           required_together=[('privileged_bind_dn', 'privileged_bind_password')])
    if _ldap_audit.ldap3 is None:
        module.fail_json(msg=missing_required_lib('ldap3'), exception=_ldap_audit.LDAP3_IMPORT_ERROR)
    params = dict(module.params)  # the values were checked by the action plugin (plugins/plugin_utils/_option_rules.py)
    if params['port'] is None:
        params['port'] = 636 if params['security'] == 'ldaps' else 389
    audit = _ldap_audit.audit(params)
    findings = _ldap_evaluate.evaluate(audit, params)
    module.exit_json(changed=False, servers=audit['servers'], root_dse=audit['root_dse'], directory_type=audit['directory_type'],
                     attributes=audit['attributes'], containers=audit['containers'], totals=audit['totals'], duplicates=audit['duplicates'],
                     disabled=audit['disabled'], change_tracking=audit['change_tracking'], size_limit_hit=audit['size_limit_hit'],
                     unreadable_attributes=audit['unreadable_attributes'], acl_checked=audit['acl_checked'], privileged=audit['privileged'],
                     bind_attempts=audit['bind_attempts'], attribute_aliases=audit['attribute_aliases'],
                     findings=findings)


if __name__ == '__main__':
    main()
