# -*- coding: utf-8 -*-
# Copyright: patguard.github contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module is private to the patguard.github collection; its API may change at any time.
"""Token inventory reports: data model, drift, and the JSON, CSV, HTML and Markdown renderings.

Pure functions, no I/O: the caller (the ``pat_report`` module) reads the previous report and
writes the files. ``build_report`` turns the listings (and, optionally, an evaluation already
made) into the report document described in ``docs/reports.md``; ``render_all`` renders it.
Rendering is deterministic: the same document always gives the same bytes.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json

from ansible_collections.patguard.github.plugins.module_utils._catalog import LEVEL_RANK, NOT_HELD, UNKNOWN_LEVEL_RANK
from ansible_collections.patguard.github.plugins.module_utils._errors import PatguardError
from ansible_collections.patguard.github.plugins.module_utils._policy import (
    UNVERIFIABLE,
    VIOLATION_CODES,
    plan,
    validate_policy,
)
from ansible_collections.patguard.github.plugins.module_utils._records import is_int as _is_int
from ansible_collections.patguard.github.plugins.module_utils._records import owner_login as _owner
from ansible_collections.patguard.github.plugins.module_utils._time import iso_z as _iso
from ansible_collections.patguard.github.plugins.module_utils._time import now_utc, parse_time, resolve_now, whole_days

SCHEMA_VERSION = 1
FILES = ('report.json', 'report.csv', 'report.html', 'summary.md')
PREVIOUS_FILE = 'report.previous.json'
STATES = ('pending', 'active', 'approved', 'denied', 'revoked')
# A token in one of these states still exists (or is still asked for) after the run.
ALIVE_STATES = ('pending', 'active', 'approved')
BUCKETS = ('repository', 'organization', 'other')
_NOT_HELD = NOT_HELD
CSV_COLUMNS = ('owner', 'token_name', 'token_id', 'kind', 'id', 'state', 'repository_selection',
               'repository_count', 'permissions', 'expires_at', 'last_used_at', 'violations', 'decision')
# Fields that change on every run without the inventory changing: ignored when deciding
# whether a report changed (see same_inventory()).
VOLATILE_KEYS = ('generated_at', 'evaluated_at', 'drift')

EXPIRY_BUCKETS = (('expired', None, 0), ('0-7 d', 0, 8), ('8-30 d', 8, 31), ('31-90 d', 31, 91),
                  ('91-365 d', 91, 366), ('> 365 d', 366, None))
LAST_USE_BUCKETS = (('0-7 d', 0, 8), ('8-30 d', 8, 31), ('31-90 d', 31, 91), ('91-365 d', 91, 366),
                    ('> 365 d', 366, None))
TOP_OWNERS = 20
TOP_PERMISSIONS = 15


class ReportError(PatguardError):
    """Input the report cannot be built from (a bad previous report, a bad option)."""


# --------------------------------------------------------------------------- helpers

def _now(now):
    if now is None or now == '':
        return now_utc().replace(microsecond=0)
    try:
        return resolve_now(now)
    except ValueError as exc:
        raise ReportError(str(exc))


def _text(value):
    return value if isinstance(value, str) else ('' if value is None else str(value))


def _permissions(value):
    """{bucket: {name: level}} with only held permissions, buckets in a fixed order."""
    result = {}
    if isinstance(value, dict):
        for bucket in sorted(value, key=lambda b: (BUCKETS.index(b) if b in BUCKETS else 9, _text(b))):
            entries = value.get(bucket)
            if not isinstance(entries, dict):
                continue
            held = dict((_text(k), _text(v)) for k, v in sorted(entries.items(), key=lambda i: _text(i[0]))
                        if v not in _NOT_HELD)
            if held:
                result[_text(bucket)] = held
    return result


def permission_list(permissions):
    """['contents:write', 'members:read', ...] sorted by name (names are unique across buckets)."""
    items = []
    for entries in (permissions or {}).values():
        items.extend('%s:%s' % (name, level) for name, level in entries.items())
    return sorted(items)


def _rank(level):
    return LEVEL_RANK.get(level, UNKNOWN_LEVEL_RANK if level not in _NOT_HELD else 0)


def _repositories(value):
    if not isinstance(value, (list, tuple)):
        return None
    names = []
    for entry in value:
        if isinstance(entry, dict):
            entry = entry.get('full_name') or entry.get('name')
        names.append(_text(entry))
    return sorted(names)


# --------------------------------------------------------------------------- the document

def _decision_key(decision):
    return (decision.get('kind'), decision.get('id'))


def _token(record, kind, decision, state, now):
    expires = parse_time(record.get('token_expires_at'))
    last_used = parse_time(record.get('token_last_used_at'))
    selection = record.get('repository_selection')
    repositories = _repositories(record.get('repositories'))
    if selection == 'subset':
        count = len(repositories) if repositories is not None else None
    elif selection == 'none':
        count = 0
    else:
        count = None  # 'all': every repository of the organization, now and later
    permissions = _permissions(record.get('permissions'))
    expired = bool(record.get('token_expired')) or (expires is not None and expires <= now)
    violations = [{'code': _text(v.get('code')), 'detail': _text(v.get('detail'))}
                  for v in (decision.get('violations') or []) if isinstance(v, dict)]
    token_id = record.get('token_id')
    record_id = record.get('id')
    return {
        'key': ('token:%s' % token_id) if _is_int(token_id) else ('%s:%s' % (kind, _text(record_id))),
        'kind': kind,
        'id': record_id,
        'state': state,
        'owner': _owner(record),
        'token_name': record.get('token_name'),
        'token_id': token_id,
        'repository_selection': selection,
        'repository_count': count,
        'repositories': repositories,
        'permissions': permissions,
        'max_level': max([_rank(level) for entries in permissions.values() for level in entries.values()] or [0]),
        'created_at': record.get('created_at') if kind == 'request' else record.get('access_granted_at'),
        'expires_at': _iso(expires) if expires is not None else None,
        'expired': expired,
        'days_to_expiry': whole_days(now, expires) if expires is not None else None,
        'last_used_at': _iso(last_used) if last_used is not None else None,
        'days_since_use': max(whole_days(last_used, now), 0) if last_used is not None else None,
        'lifetime_days': record.get('lifetime_days'),
        'reason': record.get('reason') if kind == 'request' else None,
        'violations': violations,
        'violating': any(v['code'] != UNVERIFIABLE for v in violations),
        'decision': decision.get('decision'),
        'decision_reason': decision.get('reason'),
    }


def _id_set(values):
    result = set()
    for value in values or []:
        if isinstance(value, dict):
            value = value.get('id')
        if _is_int(value):
            result.add(value)
    return result


def build_report(requests=None, grants=None, decisions=None, policy=None, org=None, now=None,
                 applied=None, mode='report', previous=None, generated_at=None):
    """The report document (a JSON-ready dict, see docs/reports.md).

    ``decisions`` is the ``decisions`` list of an evaluation already made (``policy_plan``,
    or the roles' results); when it is None the records are evaluated here with ``policy``.
    ``applied`` names what this run changed: ``{approved: [request ids], denied: [request
    ids], revoked: [grant ids]}``. ``previous`` is an earlier report document: the drift
    against it is added. Raises ReportError or PolicyError on bad input.
    """
    requests = [r for r in (requests or []) if isinstance(r, dict)]
    grants = [g for g in (grants or []) if isinstance(g, dict)]
    norm = validate_policy(policy or {}) if policy is not None else None
    moment = _now(now)
    if decisions is None:
        decisions = plan(requests, grants, norm or {}, now=moment)['decisions']
    by_key = {}
    by_position = {'request': [], 'grant': []}
    for decision in decisions or []:
        if isinstance(decision, dict):
            by_key.setdefault(_decision_key(decision), decision)
            if decision.get('kind') in by_position:
                by_position[decision['kind']].append(decision)
    applied = applied or {}
    approved, denied, revoked = (_id_set(applied.get(k)) for k in ('approved', 'denied', 'revoked'))

    tokens = []
    grant_token_ids = set(g.get('token_id') for g in grants if _is_int(g.get('token_id')))
    approved_token_ids = set()
    for kind, records in (('request', requests), ('grant', grants)):
        for index, record in enumerate(records):
            decision = by_key.get((kind, record.get('id')))
            if decision is None and index < len(by_position[kind]) and record.get('id') is None:
                decision = by_position[kind][index]
            decision = decision or {}
            record_id = record.get('id')
            if kind == 'request':
                if record_id in approved:
                    state = 'approved'
                    if _is_int(record.get('token_id')):
                        approved_token_ids.add(record['token_id'])
                        if record['token_id'] in grant_token_ids:
                            continue  # listed again as the grant it became: one row per token
                else:
                    state = 'denied' if record_id in denied else 'pending'
            elif record_id in revoked:
                state = 'revoked'
            else:
                state = 'approved' if record.get('token_id') in approved_token_ids else 'active'
            tokens.append(_token(record, kind, decision, state, moment))

    report = {
        'schema_version': SCHEMA_VERSION,
        'generated_at': _iso(_now(generated_at)) if generated_at else _iso(now_utc()),
        'evaluated_at': _iso(moment),
        'org': org,
        'mode': mode or 'report',
        'policy': norm,
        'summary': summarize(tokens),
        'charts': charts(tokens),
        'tokens': tokens,
        'drift': None,
    }
    if previous is not None:
        report['drift'] = compute_drift(previous, report)
    return report


def summarize(tokens):
    alive = [t for t in tokens if t['state'] in ALIVE_STATES]
    by_state = dict((s, 0) for s in STATES)
    decisions = {}
    violations = {}
    for token in tokens:
        by_state[token['state']] = by_state.get(token['state'], 0) + 1
        if token['decision']:
            decisions[token['decision']] = decisions.get(token['decision'], 0) + 1
        for code in set(v['code'] for v in token['violations']):
            violations[code] = violations.get(code, 0) + 1
    violating = sum(1 for t in alive if t['violating'])
    return {
        'tokens': len(tokens),
        'requests': sum(1 for t in tokens if t['kind'] == 'request'),
        'grants': sum(1 for t in tokens if t['kind'] == 'grant'),
        'by_state': by_state,
        'present': len(alive),
        'violating': violating,
        'violating_percent': round(100.0 * violating / len(alive), 1) if alive else 0.0,
        'owners': len(set(t['owner'] for t in alive if t['owner'])),
        'never_expire': sum(1 for t in alive if t['expires_at'] is None),
        'expired': sum(1 for t in alive if t['expired']),
        'expiring_30d': sum(1 for t in alive if not t['expired'] and t['days_to_expiry'] is not None
                            and t['days_to_expiry'] <= 30),
        'unused_90d': sum(1 for t in alive if t['kind'] == 'grant' and (
            t['days_since_use'] is None or t['days_since_use'] > 90)),
        'never_used': sum(1 for t in alive if t['kind'] == 'grant' and t['last_used_at'] is None),
        'all_repositories': sum(1 for t in alive if t['repository_selection'] == 'all'),
        'admin_level': sum(1 for t in alive if t['max_level'] >= LEVEL_RANK['admin']),
        'decisions': dict(sorted(decisions.items())),
        'violations': dict(sorted(violations.items())),
    }


def _bucket(value, buckets):
    for label, low, high in buckets:
        if (low is None or value >= low) and (high is None or value < high):
            return label
    return buckets[-1][0]


def charts(tokens):
    """The aggregated series behind the HTML charts (tokens present after the run, except
    ``violations``, which also counts the tokens this run revoked or denied)."""
    alive = [t for t in tokens if t['state'] in ALIVE_STATES]
    expiry = dict((label, 0) for label, _low, _high in EXPIRY_BUCKETS)
    expiry['never'] = 0
    last_use = dict((label, 0) for label, _low, _high in LAST_USE_BUCKETS)
    last_use['never'] = 0
    permissions = {}
    owners = {}
    for token in alive:
        if token['expires_at'] is None:
            expiry['never'] += 1
        elif token['expired']:
            expiry['expired'] += 1
        else:
            expiry[_bucket(max(token['days_to_expiry'], 0), EXPIRY_BUCKETS[1:])] += 1
        if token['kind'] == 'grant':
            if token['days_since_use'] is None:
                last_use['never'] += 1
            else:
                last_use[_bucket(token['days_since_use'], LAST_USE_BUCKETS)] += 1
        for entries in token['permissions'].values():
            for name, level in entries.items():
                row = permissions.setdefault(name, {'read': 0, 'write': 0, 'admin': 0, 'other': 0})
                row[level if level in row else 'other'] += 1
        if token['owner']:
            row = owners.setdefault(token['owner'], [0, 0])
            row[1 if token['violating'] else 0] += 1
    by_code = {}
    for token in tokens:
        if not token['violating'] and not token['violations']:
            continue
        for code in set(v['code'] for v in token['violations']):
            row = by_code.setdefault(code, [0, 0])
            row[0 if token['state'] in ALIVE_STATES else 1] += 1
    code_order = dict((code, i) for i, code in enumerate(VIOLATION_CODES + (UNVERIFIABLE,)))
    perm_rows = sorted(permissions.items(), key=lambda i: (-sum(i[1].values()), i[0]))
    owner_rows = sorted(owners.items(), key=lambda i: (-(i[1][0] + i[1][1]), -i[1][1], i[0].lower()))
    return {
        'expiry': [{'label': k, 'count': v} for k, v in expiry.items()],
        'last_use': [{'label': k, 'count': v} for k, v in last_use.items()],
        'permissions': [dict(counts, permission=name) for name, counts in perm_rows[:TOP_PERMISSIONS]],
        'permissions_total': len(permissions),
        'owners': [{'owner': name, 'compliant': c[0], 'violating': c[1]} for name, c in owner_rows[:TOP_OWNERS]],
        'owners_total': len(owners),
        'violations': [{'code': code, 'open': c[0], 'resolved': c[1]} for code, c in
                       sorted(by_code.items(), key=lambda i: (-(i[1][0] + i[1][1]), code_order.get(i[0], 99)))],
    }


# --------------------------------------------------------------------------- drift

def _brief(token, detail=None):
    item = {'key': token.get('key'), 'owner': token.get('owner'), 'token_name': token.get('token_name'),
            'token_id': token.get('token_id'), 'state': token.get('state')}
    if detail is not None:
        item['detail'] = detail
    return item


def _real_codes(token):
    return set(_text(v.get('code')) for v in token.get('violations') or []
               if isinstance(v, dict) and v.get('code') != UNVERIFIABLE)


def _flat_permissions(token):
    result = {}
    for entries in (token.get('permissions') or {}).values():
        if isinstance(entries, dict):
            for name, level in entries.items():
                result[_text(name)] = _text(level)
    return result


def check_previous(previous):
    """The previous report document, or ReportError saying why it cannot be compared."""
    if not isinstance(previous, dict) or not isinstance(previous.get('tokens'), list):
        raise ReportError('the previous report is not a patguard report.json (no tokens list)')
    version = previous.get('schema_version')
    if not _is_int(version) or version > SCHEMA_VERSION:
        raise ReportError('the previous report has schema_version %r; this collection reads up to %d'
                          % (version, SCHEMA_VERSION))
    return previous


def _drift_order(item):
    return ((item.get('owner') or '').lower(), _text(item.get('token_name')), _text(item.get('key')))


def compute_drift(previous, current):
    """What changed from the ``previous`` report document to ``current``.

    Tokens are matched by ``key`` (the token id, stable from request to grant). A token is
    *new* when it is present now and was not before; *removed* when it was present and now
    is revoked, denied or no longer listed; *expired* when it expired since; *newly
    violating* when it breaks a rule it did not break before; *resolved* when it broke rules
    and no longer does; a *permission upgrade* is a permission held at a higher level than
    before, or newly held.
    """
    check_previous(previous)
    before = {}
    for token in previous['tokens']:
        if isinstance(token, dict) and token.get('key') and token.get('state') in ALIVE_STATES:
            before.setdefault(token['key'], token)
    now = {}
    for token in current['tokens']:
        if token['state'] in ALIVE_STATES:
            now.setdefault(token['key'], token)
    gone_states = dict((t['key'], t['state']) for t in current['tokens'] if t['state'] not in ALIVE_STATES)
    drift = {'baseline_generated_at': previous.get('generated_at'), 'new': [], 'removed': [], 'expired': [],
             'newly_violating': [], 'resolved': [], 'permission_upgrades': []}
    for key, token in now.items():
        old = before.get(key)
        if old is None:
            drift['new'].append(_brief(token, ', '.join(sorted(_real_codes(token))) or None))
            continue
        if token['expired'] and not old.get('expired'):
            drift['expired'].append(_brief(token, token.get('expires_at')))
        added = _real_codes(token) - _real_codes(old)
        if added:
            drift['newly_violating'].append(_brief(token, ', '.join(sorted(added))))
        elif _real_codes(old) and not _real_codes(token):
            drift['resolved'].append(_brief(token))
        old_perms = _flat_permissions(old)
        upgrades = []
        for name, level in sorted(_flat_permissions(token).items()):
            was = old_perms.get(name)
            if was is None:
                upgrades.append('%s: none -> %s' % (name, level))
            elif _rank(level) > _rank(was):
                upgrades.append('%s: %s -> %s' % (name, was, level))
        if old.get('repository_selection') != 'all' and token.get('repository_selection') == 'all':
            upgrades.append('repositories: %s -> all' % (old.get('repository_selection') or 'none'))
        if upgrades:
            drift['permission_upgrades'].append(_brief(token, '; '.join(upgrades)))
    for key, old in before.items():
        if key not in now:
            state = gone_states.get(key)
            detail = {'revoked': 'revoked by this run', 'denied': 'denied by this run'}.get(state, 'no longer listed')
            drift['removed'].append(_brief(old, detail))
    for name in ('new', 'removed', 'expired', 'newly_violating', 'resolved', 'permission_upgrades'):
        drift[name].sort(key=_drift_order)
    drift['counts'] = dict((name, len(drift[name])) for name in
                           ('new', 'removed', 'expired', 'newly_violating', 'resolved', 'permission_upgrades'))
    return drift


# --------------------------------------------------------------------------- change detection

def inventory_view(report):
    """The report without the fields that change on every run (timestamps, drift)."""
    return dict((k, v) for k, v in report.items() if k not in VOLATILE_KEYS)


def same_inventory(report, other):
    """True when two report documents describe the same inventory (JSON-equal apart from
    the volatile keys)."""
    if not isinstance(other, dict):
        return False
    return json.dumps(inventory_view(report), sort_keys=True) == json.dumps(inventory_view(other), sort_keys=True)


# --------------------------------------------------------------------------- JSON / CSV

def _compact(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def render_json(report):
    """report.json: keys sorted, one token per line (small diffs, fast to write and read)."""
    parts = []
    for key in sorted(report):
        if key == 'tokens' and report[key]:
            value = '[\n' + ',\n'.join(_compact(token) for token in report[key]) + '\n]'
        else:
            value = json.dumps(report[key], sort_keys=True, indent=1, ensure_ascii=False)
            if value.count('\n') > 60:  # a big drift: keep it compact too
                value = _compact(report[key])
        parts.append('%s: %s' % (json.dumps(key), value))
    return '{\n' + ',\n'.join(parts) + '\n}\n'


_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')


def csv_cell(value):
    """A CSV cell: None is empty; text a spreadsheet would run as a formula is prefixed with
    a quote (token names and owners are user-chosen)."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    text = _text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_row(token):
    return [csv_cell(v) for v in (
        token['owner'], token['token_name'], token['token_id'], token['kind'], token['id'], token['state'],
        token['repository_selection'], token['repository_count'], ' '.join(permission_list(token['permissions'])),
        token['expires_at'] or 'never', token['last_used_at'] or 'never',
        '; '.join('%s: %s' % (v['code'], v['detail']) for v in token['violations']), token['decision'])]


def render_csv(report):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\r\n')
    writer.writerow(CSV_COLUMNS)
    for token in report['tokens']:
        writer.writerow(csv_row(token))
    return buffer.getvalue()


# --------------------------------------------------------------------------- Markdown

def _md(text):
    """Escape text for a Markdown table cell or line."""
    text = _text(text).replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ').replace('\r', ' ')
    for char in '`*_[]<>#':
        text = text.replace(char, '\\' + char)
    return text


def headline(report):
    s = report['summary']
    return '%s of %s tokens (%s%%) violate the policy' % (_fmt(s['violating']), _fmt(s['present']),
                                                          _pct(s['violating_percent']))


def decision_text(report):
    """One sentence: what the policy decided and what this run applied."""
    s = report['summary']
    states = s['by_state']
    decided = s['decisions']
    wanted = ', '.join('%s %s' % (name, _fmt(decided[name])) for name in ('revoke', 'deny', 'approve')
                       if decided.get(name))
    applied = states['revoked'] + states['denied'] + states['approved']
    if applied:
        return 'This run revoked %s grants, denied %s and approved %s requests.' % (
            _fmt(states['revoked']), _fmt(states['denied']), _fmt(states['approved']))
    if wanted:
        return 'The policy decides: %s; nothing was applied (%s mode).' % (wanted, _text(report['mode']))
    return 'The policy decides no revocation, denial or approval.'


def _pct(value):
    return ('%.1f' % value).rstrip('0').rstrip('.')


def render_markdown(report):
    s = report['summary']
    org = report.get('org') or 'the organization'
    states = s['by_state']
    lines = [
        '## Token inventory of %s' % _md(org),
        '',
        '**%s**, evaluated %s (%s mode).' % (headline(report), report['evaluated_at'], _md(report['mode'])),
        '',
        '| Figure | Tokens |',
        '|---|---:|',
        '| Active grants | %d |' % (states['active'] + states['approved']),
        '| Pending requests | %d |' % states['pending'],
        '| Violating the policy | %d |' % s['violating'],
        '| Never expire | %d |' % s['never_expire'],
        '| Expired | %d |' % s['expired'],
        '| Expire within 30 days | %d |' % s['expiring_30d'],
        '| Unused for 90 days or never used (grants) | %d |' % s['unused_90d'],
        '| Reach all repositories | %d |' % s['all_repositories'],
        '| Hold an admin-level permission | %d |' % s['admin_level'],
        '| Approved / denied / revoked by this run | %d / %d / %d |' % (
            states['approved'], states['denied'], states['revoked']),
        '',
    ]
    violations = report['charts']['violations']
    if violations:
        lines.append('Violations by code: ' + ', '.join(
            '%s %d' % (_md(v['code']), v['open'] + v['resolved']) for v in violations) + '.')
        lines.append('')
    drift = report.get('drift')
    if drift:
        c = drift['counts']
        lines.append('Since the report of %s: %d new, %d removed, %d expired, %d newly violating, '
                     '%d resolved, %d permission upgrades.' % (
                         _md(drift.get('baseline_generated_at') or 'an earlier run'), c['new'], c['removed'],
                         c['expired'], c['newly_violating'], c['resolved'], c['permission_upgrades']))
        shown = [(name, item) for name in ('newly_violating', 'permission_upgrades', 'new')
                 for item in drift[name]][:10]
        label = {'newly_violating': 'newly violating', 'permission_upgrades': 'permission upgrade', 'new': 'new'}
        for name, item in shown:
            lines.append('- %s: %s / %s%s' % (label[name], _md(item['owner']), _md(item['token_name']),
                                              (' (%s)' % _md(item['detail'])) if item.get('detail') else ''))
        lines.append('')
    worst = [o for o in report['charts']['owners'] if o['violating']]
    worst.sort(key=lambda o: (-o['violating'], o['owner'].lower()))
    if worst:
        lines.append('Owners with the most violating tokens: ' + ', '.join(
            '%s (%d)' % (_md(o['owner']), o['violating']) for o in worst[:5]) + '.')
        lines.append('')
    lines.append('Full report: `report.html` (charts, every token), `report.csv`, `report.json`.')
    return '\n'.join(lines) + '\n'


# --------------------------------------------------------------------------- HTML

_E = html.escape

_COLORS = {
    'bad': '#c62828', 'warn': '#ef6c00', 'caution': '#f9a825', 'ok': '#2e7d32', 'neutral': '#607d8b',
    'read': '#90caf9', 'write': '#1e88e5', 'admin': '#c62828', 'other': '#8e24aa',
    'compliant': '#66bb6a', 'violating': '#e53935', 'open': '#e53935', 'resolved': '#9e9e9e',
}
_EXPIRY_COLORS = {'expired': _COLORS['bad'], '0-7 d': _COLORS['warn'], '8-30 d': _COLORS['caution'],
                  '31-90 d': _COLORS['ok'], '91-365 d': '#7cb342', '> 365 d': _COLORS['warn'],
                  'never': _COLORS['bad']}
_LAST_USE_COLORS = {'0-7 d': _COLORS['ok'], '8-30 d': '#7cb342', '31-90 d': _COLORS['caution'],
                    '91-365 d': _COLORS['warn'], '> 365 d': _COLORS['bad'], 'never': _COLORS['bad']}


def _fmt(number):
    return '{:,}'.format(number)


def _vbar_svg(chart_id, rows, colors, note):
    """Vertical bars: rows = [(label, count)]."""
    width, height, top, bottom, left = 440, 220, 22, 40, 8
    peak = max([c for _l, c in rows] + [1])
    slot = (width - left * 2) / float(len(rows))
    bar_width = slot * 0.66
    parts = ['<svg id="%s" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">'
             % (chart_id, width, height, _E(note))]
    for index, (label, count) in enumerate(rows):
        h = (height - top - bottom) * count / float(peak)
        x = left + index * slot + (slot - bar_width) / 2
        y = height - bottom - h
        parts.append('<g><title>%s: %s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2" fill="%s"/>'
                     '<text x="%.1f" y="%.1f" class="v">%s</text><text x="%.1f" y="%d" class="l">%s</text></g>'
                     % (_E(label), _fmt(count), x, y, bar_width, max(h, 0.5), colors.get(label, _COLORS['neutral']),
                        x + bar_width / 2, y - 5, _fmt(count), x + bar_width / 2, height - bottom + 16, _E(label)))
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>' % (
        left, height - bottom, width - left, height - bottom))
    parts.append('</svg>')
    return ''.join(parts)


def _hbar_svg(chart_id, rows, series, note, label_width=150, width=440):
    """Horizontal stacked bars: rows = [(label, {series: count})], series = [(name, color)]."""
    row_h, gap, top = 16, 5, 4
    height = top + len(rows) * (row_h + gap) + 4
    peak = max([sum(v.get(name, 0) for name, _c in series) for _l, v in rows] + [1])
    plot = width - label_width - 48
    parts = ['<svg id="%s" class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">'
             % (chart_id, width, max(height, 30), _E(note))]
    for index, (label, values) in enumerate(rows):
        y = top + index * (row_h + gap)
        room = int((label_width - 10) / 6.6)  # characters that fit left of the bars
        shown = label if len(label) <= room else label[:room - 1] + '\u2026'
        parts.append('<g><title>%s: %s</title><text x="%d" y="%.1f" class="h">%s</text>' % (
            _E(label), _E(', '.join('%s %s' % (name, _fmt(values.get(name, 0))) for name, _c in series
                                    if values.get(name))), label_width - 6, y + row_h - 4, _E(shown)))
        x = float(label_width)
        total = 0
        for name, color in series:
            count = values.get(name, 0)
            if not count:
                continue
            w = plot * count / float(peak)
            parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>'
                         % (x, y, max(w, 0.5), row_h, color))
            x += w
            total += count
        parts.append('<text x="%.1f" y="%.1f" class="n">%s</text></g>' % (x + 4, y + row_h - 4, _fmt(total)))
    if not rows:
        parts.append('<text x="%d" y="20" class="h0">nothing to show</text>' % (width / 2))
    parts.append('</svg>')
    return ''.join(parts)


def _legend(series):
    return '<div class="legend">%s</div>' % ''.join(
        '<span><svg class="sw" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" '
        'fill="%s"/></svg>%s</span>' % (_E(color), _E(name)) for name, color in series)


def _chart_html(report):
    ch = report['charts']
    code_series = [('open', _COLORS['open']), ('resolved', _COLORS['resolved'])]
    series = [('read', _COLORS['read']), ('write', _COLORS['write']), ('admin', _COLORS['admin']),
              ('other', _COLORS['other'])]
    owner_series = [('violating', _COLORS['violating']), ('compliant', _COLORS['compliant'])]
    perm_rows = [(r['permission'], r) for r in ch['permissions']]
    more = ch['permissions_total'] - len(perm_rows)
    cards = [
        ('chart-violations', 'span2', 'Violations by code',
         'Tokens breaking each rule; grey: revoked or denied by this run.',
         _hbar_svg('svg-violations', [(r['code'], r) for r in ch['violations']], code_series,
                   'Tokens by violation code', label_width=150)),
        ('chart-expiry', 'span2', 'Days to expiry',
         'Tokens present after this run. Red: never expires or already expired.',
         _vbar_svg('svg-expiry', [(r['label'], r['count']) for r in ch['expiry']], _EXPIRY_COLORS,
                   'Tokens by days to expiry')),
        ('chart-last-use', 'span2', 'Last use (grants)',
         'Days since an active grant was last used.',
         _vbar_svg('svg-last-use', [(r['label'], r['count']) for r in ch['last_use']], _LAST_USE_COLORS,
                   'Grants by last use')),
        ('chart-owners', 'span3', 'Tokens by owner',
         'Top %d of %d owners, most tokens first.' % (len(ch['owners']), ch['owners_total']),
         _legend(owner_series) + _hbar_svg('svg-owners', [(r['owner'], r) for r in ch['owners']],
                                           owner_series, 'Tokens by owner', label_width=130, width=660)),
        ('chart-permissions', 'span3', 'Permissions by level',
         'Tokens holding each permission, top %d%s.' % (
             len(perm_rows), (' of %d' % ch['permissions_total']) if more > 0 else ''),
         _legend(series[:3]) + _hbar_svg('svg-permissions', perm_rows, series, 'Tokens by permission and level',
                                         label_width=170, width=660)),
    ]
    return ''.join('<section class="card chart-card %s" id="%s"><h3>%s</h3><p class="note">%s</p>%s</section>'
                   % (span, cid, _E(title), _E(note), svg) for cid, span, title, note, svg in cards)


def _kpis(report):
    s = report['summary']
    states = s['by_state']
    present = s['present'] or 1

    def level(count, bad_share=0.0):
        if not count:
            return 'ok'
        return 'bad' if count / float(present) > bad_share else 'warn'

    items = [
        ('Active grants', states['active'] + states['approved'], 'neutral', 'grants held after this run'),
        ('Pending requests', states['pending'], 'neutral', 'waiting for review'),
        ('Violating', s['violating'], level(s['violating'], 0.05), '%s%% of present tokens' % _pct(
            s['violating_percent'])),
        ('Never expire', s['never_expire'], level(s['never_expire']), 'no expiry date'),
        ('Expired', s['expired'], level(s['expired'], 1), 'still listed'),
        ('Expire in 30 days', s['expiring_30d'], 'warn' if s['expiring_30d'] else 'ok', 'plan rotation'),
        ('Unused 90+ days', s['unused_90d'], level(s['unused_90d'], 0.1), '%s never used' % _fmt(s['never_used'])),
        ('All repositories', s['all_repositories'], level(s['all_repositories'], 0.05), 'repository selection all'),
        ('Admin level', s['admin_level'], level(s['admin_level']), 'hold an admin permission'),
        ('Revoked / denied', states['revoked'] + states['denied'], 'neutral', 'by this run (%s mode)' % _text(
            report['mode'])),
    ]
    return ''.join('<div class="kpi k-%s" data-kpi="%s"><div class="kv">%s</div><div class="kl">%s</div>'
                   '<div class="ks">%s</div></div>' % (cls, _E(label), _fmt(value), _E(label), _E(sub))
                   for label, value, cls, sub in items)


_DRIFT_LABELS = (('new', 'New tokens'), ('removed', 'Revoked / removed'), ('expired', 'Expired since'),
                 ('newly_violating', 'Newly violating'), ('permission_upgrades', 'Permission upgrades'),
                 ('resolved', 'Violations resolved'))


def _drift_html(report):
    drift = report.get('drift')
    if not drift:
        return ('<section class="card" id="drift"><h2>Changes since the previous report</h2>'
                '<p class="note">No previous report to compare with: the next run will show what changed.</p>'
                '</section>')
    counts = drift['counts']
    chips = ''.join('<div class="chip%s" data-drift="%s"><b>%s</b> %s</div>' % (
        ' hot' if counts[name] and name in ('newly_violating', 'permission_upgrades', 'new') else '',
        name, _fmt(counts[name]), _E(label)) for name, label in _DRIFT_LABELS)
    details = []
    for name, label in _DRIFT_LABELS:
        items = drift[name]
        if not items:
            continue
        rows = ''.join('<li><b>%s</b> / %s%s</li>' % (
            _E(_text(i.get('owner'))), _E(_text(i.get('token_name'))),
            (' <span class="muted">%s</span>' % _E(_text(i['detail']))) if i.get('detail') else '')
            for i in items[:50])
        extra = ('<li class="muted">... and %s more (report.json has them all)</li>' % _fmt(len(items) - 50)
                 if len(items) > 50 else '')
        details.append('<details><summary>%s (%s)</summary><ul>%s%s</ul></details>' % (
            _E(label), _fmt(len(items)), rows, extra))
    return ('<section class="card" id="drift"><h2>Changes since the report of %s</h2><div class="chips">%s</div>%s'
            '</section>' % (_E(_text(drift.get('baseline_generated_at') or 'an earlier run')), chips,
                            ''.join(details)))


_TABLE_COLUMNS = (
    # key, header, type
    ('owner', 'Owner', 's'), ('token', 'Token', 's'), ('state', 'State', 's'), ('selection', 'Repositories', 's'),
    ('permissions', 'Permissions', 's'), ('expires', 'Expires', 'n'), ('last_used', 'Last used', 'n'),
    ('violations', 'Violations', 's'), ('decision', 'Decision', 's'),
)


def _table_rows(report):
    """Compact rows for the page's script (arrays keep the embedded data small)."""
    rows = []
    for t in report['tokens']:
        selection = t['repository_selection'] or ''
        if selection == 'subset':
            selection = 'subset (%s)' % ('?' if t['repository_count'] is None else t['repository_count'])
        rows.append([
            t['owner'] or '', t['token_name'] or '', t['token_id'], t['kind'], t['id'], t['state'], selection,
            ' '.join(permission_list(t['permissions'])), t['expires_at'], t['days_to_expiry'], t['expired'],
            t['last_used_at'], t['days_since_use'], [v['code'] for v in t['violations']],
            '; '.join('%s: %s' % (v['code'], v['detail']) for v in t['violations']), t['decision'] or '',
            t['max_level'],
        ])
    return rows


def _script_json(value):
    """JSON safe inside a <script> element (no '</script>' or '<!--' can appear)."""
    text = _compact(value)
    return (text.replace('&', '\\u0026').replace('<', '\\u003c').replace('>', '\\u003e')
            .replace('\u2028', '\\u2028').replace('\u2029', '\\u2029'))


def _csp_hash(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode('ascii')


_CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:#1f2933;background:#f3f5f8}
header{background:#1f2933;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header .meta{color:#cbd2d9;font-size:13px;margin-top:4px}
main{padding:18px 28px;max-width:1500px;margin:0 auto}
.headline{font-size:20px;font-weight:600;margin:4px 0 2px}
.subline{color:#52606d;margin:0 0 14px}
.headline .bad{color:#c62828}.headline .ok{color:#2e7d32}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(122px,1fr));gap:10px;margin-bottom:16px}
.kpi{background:#fff;border-radius:8px;padding:10px 12px;border-top:4px solid #607d8b;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
.kpi .kv{font-size:26px;font-weight:700;line-height:1.1}
.kpi .kl{font-weight:600;font-size:13px}.kpi .ks{color:#616e7c;font-size:12px}
.k-bad{border-top-color:#c62828}.k-bad .kv{color:#c62828}
.k-warn{border-top-color:#ef6c00}.k-warn .kv{color:#ef6c00}
.k-ok{border-top-color:#2e7d32}.k-neutral{border-top-color:#607d8b}
.card{background:#fff;border-radius:8px;padding:12px 16px;margin-bottom:16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card h2{font-size:16px;margin:0 0 8px}.card h3{font-size:15px;margin:0}
.note{color:#616e7c;font-size:12px;margin:2px 0 6px}
.charts{display:grid;grid-template-columns:repeat(6,1fr);gap:16px;margin-bottom:16px}
.span2{grid-column:span 2}.span3{grid-column:span 3}
@media (max-width:1100px){.charts{grid-template-columns:1fr}.span2,.span3{grid-column:auto}}
.chart-card{margin-bottom:0}
.chart{width:100%;height:auto;display:block}
.chart text{font-size:11.5px;fill:#323f4b}
.chart .v{text-anchor:middle;font-weight:600}.chart .l{text-anchor:middle}
.chart .h{text-anchor:end}.chart .n{font-weight:600}.chart .h0{text-anchor:middle;fill:#9aa5b1}
.chart .axis{stroke:#9aa5b1;stroke-width:1}
.legend{font-size:12px;color:#52606d;margin-bottom:4px}.legend span{margin-right:12px;white-space:nowrap}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:6px}
.chip{background:#eef2f7;border-radius:14px;padding:3px 12px;font-size:13px}
.chip.hot{background:#fdecea;color:#b71c1c}
details{margin:4px 0}summary{cursor:pointer;font-weight:600}
details ul{margin:4px 0 8px;padding-left:22px;max-height:260px;overflow:auto}
.muted{color:#7b8794}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:8px}
.controls input[type=search]{padding:5px 8px;min-width:260px;border:1px solid #cbd2d9;border-radius:4px}
.controls select{padding:4px;border:1px solid #cbd2d9;border-radius:4px}
.controls button{padding:4px 10px;border:1px solid #cbd2d9;border-radius:4px;background:#fff;cursor:pointer}
.controls button:disabled{opacity:.4;cursor:default}
.tablewrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:5px 7px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#f5f7fa;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.perm{max-width:320px;color:#3e4c59}td.viol{max-width:380px;color:#b71c1c}
tr.violating td:first-child{box-shadow:inset 3px 0 0 #e53935}
.st{display:inline-block;padding:0 7px;border-radius:9px;font-size:11.5px;background:#eef2f7}
.st-revoked,.st-denied{background:#fdecea;color:#b71c1c}.st-approved{background:#e8f5e9;color:#1b5e20}
.st-pending{background:#fff8e1;color:#8d6e00}
.exp-bad{color:#c62828;font-weight:600}.exp-warn{color:#ef6c00}
.lvl-admin{color:#c62828;font-weight:600}
footer{color:#7b8794;font-size:12px;padding:0 28px 24px;max-width:1500px;margin:0 auto}
"""

_JS = r"""
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('report-data').textContent);
  var ROWS = DATA.rows, PAGE = DATA.page_size;
  var C = {owner: 0, name: 1, tid: 2, kind: 3, id: 4, state: 5, sel: 6, perms: 7, exp: 8, dte: 9, expired: 10,
           used: 11, dsu: 12, codes: 13, viol: 14, decision: 15, level: 16};
  var SORT = {
    owner: function (r) { return r[C.owner].toLowerCase(); },
    token: function (r) { return r[C.name].toLowerCase(); },
    state: function (r) { return r[C.state]; },
    selection: function (r) { return r[C.sel]; },
    permissions: function (r) { return r[C.level] * 1000 + r[C.perms].split(' ').length; },
    expires: function (r) { return r[C.dte] === null ? 1e9 : r[C.dte]; },
    last_used: function (r) { return r[C.dsu] === null ? 1e9 : r[C.dsu]; },
    violations: function (r) { return r[C.codes].length; },
    decision: function (r) { return r[C.decision]; }
  };
  var $ = function (id) { return document.getElementById(id); };
  var search = $('f-text'), fState = $('f-state'), fCode = $('f-code'), fViol = $('f-violating');
  var body = $('tokens-body'), info = $('page-info'), count = $('f-count');
  var index = ROWS.map(function (r, i) { return i; });
  var view = index.slice(), page = 0, sortKey = null, sortDir = 1;
  var haystack = ROWS.map(function (r) {
    return [r[C.owner], r[C.name], r[C.tid], r[C.perms], r[C.viol], r[C.sel], r[C.decision]].join(' ').toLowerCase();
  });

  function text(td, value, cls) {
    td.textContent = value === null || value === undefined ? '' : String(value);
    if (cls) { td.className = cls; }
    return td;
  }
  function cell(tr, value, cls) { tr.appendChild(text(document.createElement('td'), value, cls)); }
  function expiresText(r) {
    if (r[C.exp] === null) { return 'never'; }
    var d = r[C.dte];
    return r[C.exp].slice(0, 10) + (r[C.expired] ? ' (expired)' : ' (' + d + ' d)');
  }
  function usedText(r) {
    if (r[C.used] === null) { return r[C.kind] === 'grant' ? 'never' : '\u2014'; }
    return r[C.used].slice(0, 10) + ' (' + r[C.dsu] + ' d ago)';
  }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (page >= pages) { page = pages - 1; }
    var start = page * PAGE, end = Math.min(view.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var r = ROWS[view[i]], tr = document.createElement('tr');
      if (r[C.codes].length) { tr.className = 'violating'; }
      cell(tr, r[C.owner]);
      var td = document.createElement('td');
      td.appendChild(document.createTextNode(r[C.name]));
      var small = document.createElement('div');
      small.className = 'muted';
      small.textContent = r[C.kind] + ' ' + r[C.id] + (r[C.tid] === null ? '' : ' \u00b7 token ' + r[C.tid]);
      td.appendChild(small);
      tr.appendChild(td);
      td = document.createElement('td');
      var badge = document.createElement('span');
      badge.className = 'st st-' + r[C.state];
      badge.textContent = r[C.state];
      td.appendChild(badge);
      tr.appendChild(td);
      cell(tr, r[C.sel]);
      cell(tr, r[C.perms], 'perm' + (r[C.level] >= 3 ? ' lvl-admin' : ''));
      cell(tr, expiresText(r), r[C.exp] === null || r[C.expired] ? 'exp-bad' : (r[C.dte] <= 30 ? 'exp-warn' : ''));
      cell(tr, usedText(r));
      cell(tr, r[C.viol], 'viol');
      cell(tr, r[C.decision]);
      frag.appendChild(tr);
    }
    body.textContent = '';
    body.appendChild(frag);
    info.textContent = view.length ? 'Rows ' + (start + 1).toLocaleString() + '\u2013' + end.toLocaleString() +
      ' of ' + view.length.toLocaleString() + ' \u00b7 page ' + (page + 1) + ' of ' + pages : 'No matching tokens';
    count.textContent = view.length.toLocaleString() + ' of ' + ROWS.length.toLocaleString() + ' tokens';
    $('p-first').disabled = $('p-prev').disabled = page === 0;
    $('p-next').disabled = $('p-last').disabled = page >= pages - 1;
    body.setAttribute('data-page', String(page + 1));
    body.setAttribute('data-pages', String(pages));
    body.setAttribute('data-matches', String(view.length));
  }
  function sortView() {
    if (!sortKey) { return; }
    var key = SORT[sortKey], dir = sortDir;
    var keys = {};
    view.forEach(function (i) { keys[i] = key(ROWS[i]); });
    view.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x < y) { return -dir; }
      if (x > y) { return dir; }
      return a - b;
    });
  }
  function applyFilter() {
    var q = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var st = fState.value, code = fCode.value, onlyViol = fViol.checked;
    view = index.filter(function (i) {
      var r = ROWS[i];
      if (st && r[C.state] !== st) { return false; }
      if (onlyViol && !r[C.codes].length) { return false; }
      if (code && r[C.codes].indexOf(code) < 0) { return false; }
      for (var k = 0; k < q.length; k++) { if (haystack[i].indexOf(q[k]) < 0) { return false; } }
      return true;
    });
    sortView();
    page = 0;
    render();
  }
  document.querySelectorAll('th[data-key]').forEach(function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-key');
      sortDir = sortKey === key ? -sortDir : 1;
      sortKey = key;
      document.querySelectorAll('th[data-key]').forEach(function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', sortDir === 1 ? 'ascending' : 'descending');
      sortView();
      page = 0;
      render();
    });
  });
  var timer = null;
  search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(applyFilter, 120); });
  [fState, fCode, fViol].forEach(function (el) { el.addEventListener('change', applyFilter); });
  $('p-first').addEventListener('click', function () { page = 0; render(); });
  $('p-prev').addEventListener('click', function () { page = Math.max(0, page - 1); render(); });
  $('p-next').addEventListener('click', function () { page += 1; render(); });
  $('p-last').addEventListener('click', function () { page = 1e9; render(); });
  render();
  document.body.setAttribute('data-ready', '1');
})();
"""


def render_html(report, page_size=100):
    s = report['summary']
    org = report.get('org') or 'organization'
    codes = sorted(set(v['code'] for t in report['tokens'] for v in t['violations']))
    data = {'page_size': int(page_size), 'rows': _table_rows(report)}
    css = _CSS.strip()
    js = _JS.strip()
    csp = ("default-src 'none'; style-src %s; script-src %s; img-src data:; base-uri 'none'; form-action 'none'"
           % (_csp_hash(css), _csp_hash(js)))
    verdict = 'bad' if s['violating'] else 'ok'
    headers = ''.join('<th data-key="%s" scope="col">%s</th>' % (key, _E(label)) for key, label, _t in _TABLE_COLUMNS)
    state_options = ''.join('<option value="%s">%s (%s)</option>' % (st, st, _fmt(s['by_state'].get(st, 0)))
                            for st in STATES if s['by_state'].get(st))
    code_options = ''.join('<option value="%s">%s</option>' % (_E(c), _E(c)) for c in codes)
    policy_note = 'policy evaluated' if report.get('policy') is not None else 'evaluation supplied by the caller'
    return ''.join([
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="%s">' % _E(csp),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="patguard.github pat_report, schema %d">' % SCHEMA_VERSION,
        '<title>Token inventory: %s</title>' % _E(org),
        '<style>%s</style></head><body>' % css,
        '<header><h1>Fine-grained token inventory: %s</h1><div class="meta">Evaluated %s \u00b7 generated %s \u00b7 '
        '%s mode \u00b7 %s \u00b7 %s tokens (%s requests, %s grants)</div></header><main>' % (
            _E(org), _E(report['evaluated_at']), _E(report['generated_at']), _E(_text(report['mode'])),
            _E(policy_note), _fmt(s['tokens']), _fmt(s['requests']), _fmt(s['grants'])),
        '<p class="headline" id="headline"><span class="%s">%s</span>%s</p>' % (
            verdict, _E(headline(report)),
            _E(' \u00b7 %s owners' % _fmt(s['owners']))),
        '<p class="subline" id="subline">%s</p>' % _E(decision_text(report)),
        '<div class="kpis" id="kpis">%s</div>' % _kpis(report),
        _drift_html(report),
        '<div class="charts" id="charts">%s</div>' % _chart_html(report),
        '<section class="card" id="tokens"><h2>Every token</h2>',
        '<div class="controls"><input type="search" id="f-text" placeholder="Filter: owner, token, permission, '
        'violation..." aria-label="Filter tokens">',
        '<select id="f-state" aria-label="State"><option value="">all states</option>%s</select>' % state_options,
        '<select id="f-code" aria-label="Violation"><option value="">any violation code</option>%s</select>'
        % code_options,
        '<label><input type="checkbox" id="f-violating"> violating only</label>',
        '<span id="f-count" class="muted"></span></div>',
        '<div class="tablewrap"><table id="tokens-table"><thead><tr>%s</tr></thead>' % headers,
        '<tbody id="tokens-body"></tbody></table></div>',
        '<div class="controls"><button id="p-first" type="button">\u00ab First</button>'
        '<button id="p-prev" type="button">\u2039 Prev</button><span id="page-info"></span>'
        '<button id="p-next" type="button">Next \u203a</button><button id="p-last" type="button">Last \u00bb</button>'
        '</div><noscript>The table needs JavaScript; report.csv has every token.</noscript></section>',
        '</main><footer>patguard.github pat_report \u00b7 report.json schema %d \u00b7 self-contained: this file loads '
        'nothing from the network.</footer>' % SCHEMA_VERSION,
        '<script type="application/json" id="report-data">%s</script>' % _script_json(data),
        '<script>%s</script></body></html>\n' % js,
    ])


def render_all(report, page_size=100):
    """{file name: text} for every file of the report directory."""
    return {
        'report.json': render_json(report),
        'report.csv': render_csv(report),
        'report.html': render_html(report, page_size=page_size),
        'summary.md': render_markdown(report),
    }


def summary_lines(report):
    """A few lines for the play's output."""
    s = report['summary']
    lines = ['Token inventory of %s: %s' % (report.get('org') or 'the organization', headline(report)),
             'Present: %d grants, %d pending requests; never expire %d, expired %d, unused 90+ days %d' % (
                 s['by_state']['active'] + s['by_state']['approved'], s['by_state']['pending'], s['never_expire'],
                 s['expired'], s['unused_90d'])]
    drift = report.get('drift')
    if drift:
        c = drift['counts']
        lines.append('Since %s: %d new, %d removed, %d expired, %d newly violating, %d permission upgrades' % (
            drift.get('baseline_generated_at'), c['new'], c['removed'], c['expired'], c['newly_violating'],
            c['permission_upgrades']))
    return lines
