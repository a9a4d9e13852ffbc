#!/usr/bin/env python3
"""Checks that the Flatpak manifest parses, names the app id and a GNOME
runtime of version 47 or newer, and asks for no more than it needs."""
import json
import sys

path, app_id = sys.argv[1], sys.argv[2]
with open(path) as f:
    manifest = json.load(f)

problems = []
if manifest.get('id', manifest.get('app-id')) != app_id:
    problems.append(f"id is {manifest.get('id')!r}, expected {app_id!r}")
if manifest.get('runtime') != 'org.gnome.Platform':
    problems.append(f"runtime is {manifest.get('runtime')!r}, expected 'org.gnome.Platform'")
try:
    if int(str(manifest.get('runtime-version', '0')).split('.')[0]) < 47:
        problems.append('runtime-version must be 47 or newer')
except ValueError:
    problems.append(f"runtime-version {manifest.get('runtime-version')!r} is not a number")
if manifest.get('sdk') != 'org.gnome.Sdk':
    problems.append('sdk must be org.gnome.Sdk')

allowed = {'--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
           '--device=dri'}
args = manifest.get('finish-args', [])
for arg in args:
    if arg not in allowed:
        problems.append(f'finish-arg {arg} is not allowed')
    if arg.startswith('--filesystem'):
        problems.append(f'broad filesystem access: {arg}')
if not any(m.get('name') == 'hubwatch' for m in manifest.get('modules', []) if isinstance(m, dict)):
    problems.append('no module named hubwatch')

for p in problems:
    print(p)
print(f'{path}: {len(problems)} problems')
sys.exit(1 if problems else 0)
