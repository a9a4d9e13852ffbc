#!/usr/bin/env python3
"""Fails when a file with translatable strings is missing from po/POTFILES.in,
or when POTFILES.in names a file that no longer exists."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
listed = set()
for line in (root / 'po' / 'POTFILES.in').read_text().splitlines():
    line = line.strip()
    if line and not line.startswith('#'):
        listed.add(line)

C_MARKERS = re.compile(r'\b(_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"')
UI_MARKER = re.compile(r'translatable="yes"')

def has_strings(path):
    text = path.read_text(errors='replace')
    if path.suffix in ('.c', '.h'):
        return bool(C_MARKERS.search(text))
    if path.suffix == '.ui':
        return bool(UI_MARKER.search(text))
    return False

problems = []
for sub in ('src', 'ui'):
    for path in sorted((root / sub).rglob('*')):
        if path.suffix not in ('.c', '.h', '.ui') or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if has_strings(path) and rel not in listed:
            problems.append(f'{rel} has translatable strings but is not in po/POTFILES.in')

for rel in sorted(listed):
    if not (root / rel).exists():
        problems.append(f'po/POTFILES.in lists {rel}, which does not exist')

for p in problems:
    print(p)
print(f'checked {len(listed)} listed files: {len(problems)} problems')
sys.exit(1 if problems else 0)
