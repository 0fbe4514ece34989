#!/usr/bin/env python3
"""Figures of the web layer's shape (printed by `make bench`): server functions, ActionForms, plain POST forms,
axum routes, and the largest import cycle between source files (a cycle through app.rs or server/ means a slice
reaches up into the shell or the router)."""
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')

# module path (tuple) -> file
files = {}
for dirpath, _, names in os.walk(root):
    for name in names:
        if not name.endswith('.rs'):
            continue
        rel = os.path.relpath(os.path.join(dirpath, name), root)
        parts = rel[:-3].split(os.sep)
        if parts[-1] in ('mod', 'lib', 'main'):
            parts = parts[:-1]
        files[tuple(parts)] = rel


def strip_tests(text):
    """Drops `#[cfg(test)] mod tests { ... }` blocks: test code may reach anywhere."""
    out, i = [], 0
    for m in re.finditer(r'#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod\s+\w+\s*\{', text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {'{': 1, '}': -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return ''.join(out)


def target(path):
    """The file a `crate::a::b::c` path lands in: the longest prefix that is a module file."""
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in files:
            return tuple(path[:n])
    return None


edges = {m: set() for m in files}
counts = {'server fns': 0, 'ActionForms': 0, 'plain POST forms': 0, 'axum .route() calls': 0}
for module, rel in files.items():
    with open(os.path.join(root, rel), encoding='utf-8') as f:
        text = f.read()
    if module and module[-1] == 'tests':
        continue
    text = strip_tests(text)
    counts['server fns'] += len(re.findall(r'^#\[server\b', text, re.M))
    counts['ActionForms'] += len(re.findall(r'<ActionForm\b', text))
    counts['plain POST forms'] += len(re.findall(r'<form\b[^>]*method="post"', text))
    counts['axum .route() calls'] += len(re.findall(r'\.route\(', text))
    is_dir_module = os.path.basename(rel) in ('mod.rs', 'lib.rs', 'main.rs')
    parent = module if is_dir_module else module[:-1]
    # `use crate::x::{a, b::c}` and inline `crate::x::y` paths; `super::` relative to this file's parent module.
    for m in re.finditer(r'\b(crate|super)((?:::\w+)+)(::\{([^;]*?)\})?', text):
        base = () if m.group(1) == 'crate' else parent[:-1] if m.group(1) == 'super' else ()
        if m.group(1) == 'super' and not is_dir_module:
            base = module[:-1]
        path = list(base) + m.group(2).strip(':').split('::')
        heads = [path]
        if m.group(4):
            for item in re.split(r',(?![^{]*\})', m.group(4)):
                item = item.strip().split(' as ')[0]
                if item and item != 'self':
                    heads.append(path + re.sub(r'[{}*]', '', item).strip(':').split('::'))
        for p in heads:
            t = target([x for x in p if x])
            if t is not None and t != module:
                edges[module].add(t)

# Tarjan's strongly connected components
index, low, stack, on, sccs = {}, {}, [], set(), []
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop()
            on.discard(w)
            scc.append(w)
            if w == v:
                break
        sccs.append(scc)


for v in files:
    if v not in index:
        visit(v)
largest = max(sccs, key=len)
through_top = sorted(files[m] for m in largest if m and m[0] in ('app', 'server'))
for name, n in counts.items():
    print(f'{name:<24}{n}')
print(f'{"largest import cycle":<24}{len(largest)} files' + (f' (through {", ".join(through_top)})' if through_top else ''))
if '-v' in sys.argv:
    print('  ' + '\n  '.join(sorted(files[m] for m in largest)))
