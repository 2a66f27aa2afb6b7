# -*- coding: utf-8 -*-
# Copyright: (c) 2026, safeq.preflight contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fuzz the MC-SQLR (SQL Browser) and TDS PRELOGIN parsers with generated inputs.

Random bytes, mutations of the golden vectors (bit flips, truncations, insertions, size-field lies)
and grammar-aware token streams. Only SsrpParseError / TdsParseError may escape; each input has a
time bound; peak memory is measured with tracemalloc. Prints inputs tried and failures.

    .venv/bin/python benchmarks/fuzz_sql_parsers.py [--inputs 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import struct
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.lab.collection import ssrp, tds  # noqa: E402  pylint: disable=wrong-import-position

GOLDEN_SSRP = [
    ssrp.build_response([['ServerName', 'ILSUNG1', 'InstanceName', 'YUKONSTD', 'IsClustered', 'No', 'Version', '9.00.1399.06', 'tcp', '57137']]),
    ssrp.build_response([['ServerName', 'OLD', 'InstanceName', 'SQL2K', 'IsClustered', 'Yes', 'Version', '8.00.194', 'bv', '', '', '', 'tcp', '1433'],
                         ['ServerName', 'OLD', 'InstanceName', 'X', 'IsClustered', 'No', 'Version', '8.0', 'np', '\\\\OLD\\pipe\\sql\\query']]),
    bytes.fromhex('0506000132df'),
]
GOLDEN_TDS = [tds.build_prelogin_response(15, 0, 2000), tds.build_prelogin_response(8, 0, 194, 3, [(tds.MARS, b'\x00')]), tds.build_prelogin()]
KEYS = ['ServerName', 'InstanceName', 'IsClustered', 'Version', 'tcp', 'np', 'via', 'rpc', 'spx', 'adsp', 'bv', 'X', '']
PER_INPUT_SECONDS = 0.5


def mutate(rng, data):
    data = bytearray(data)
    for dummy in range(rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.3 and data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif choice < 0.5:
            del data[rng.randrange(len(data) + 1):]
        elif choice < 0.7:
            at = rng.randrange(len(data) + 1)
            data[at:at] = bytes(rng.randrange(256) for dummy in range(rng.randint(1, 8)))
        elif choice < 0.85 and len(data) >= 3:
            data[1:3] = struct.pack('<H', rng.randrange(65536))
        elif len(data) >= 4:
            data[2:4] = struct.pack('>H', rng.randrange(65536))
    return bytes(data)


def grammar(rng):
    tokens = [rng.choice(KEYS) if i % 2 == 0 else rng.choice(['', 'No', 'Yes', '1433', '15.0.1', 'x' * rng.randint(0, 300), 'S\xe9rv'])
              for i in range(rng.randint(0, 40))]
    body = ';'.join(tokens).encode('latin-1') + (b';;' if rng.random() < 0.7 else b'')
    return b'\x05' + struct.pack('<H', len(body)) + body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--inputs', type=int, default=100000)
    parser.add_argument('--seed', type=int, default=1)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)
    parsers = [ssrp.parse_response, ssrp.parse_dac, tds.parse_prelogin_response]
    expected = (ssrp.SsrpParseError, tds.TdsParseError)
    failures, parsed_ok, slowest = [], 0, 0.0
    tracemalloc.start()
    started = time.perf_counter()
    for index in range(options.inputs):
        kind = index % 4
        if kind == 0:
            data = bytes(rng.randrange(256) for dummy in range(rng.randint(0, 200)))
        elif kind == 1:
            data = mutate(rng, rng.choice(GOLDEN_SSRP))
        elif kind == 2:
            data = mutate(rng, rng.choice(GOLDEN_TDS))
        else:
            data = grammar(rng)
        for parse in parsers:
            began = time.perf_counter()
            try:
                parse(data)
                parsed_ok += 1
            except expected:
                pass
            except Exception as exc:  # pylint: disable=broad-exception-caught
                failures.append((parse.__name__, data.hex(), repr(exc)))
            spent = time.perf_counter() - began
            slowest = max(slowest, spent)
            if spent > PER_INPUT_SECONDS:
                failures.append((parse.__name__, data.hex(), 'took %.3f s' % spent))
    elapsed = time.perf_counter() - started
    dummy, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print('inputs tried: %d (x %d parsers = %d parses), accepted as valid: %d' % (options.inputs, len(parsers), options.inputs * len(parsers), parsed_ok))
    print('failures: %d' % len(failures))
    print('wall time: %.1f s, slowest parse: %.2f ms, peak traced memory: %.1f KiB' % (elapsed, slowest * 1000, peak / 1024))
    for failure in failures[:10]:
        print('  %s %s -> %s' % failure)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
