#!/usr/bin/env python3
"""Sums an async-profiler collapsed CPU profile of a jkad process by thread, by category (a sample
counts once for each pattern any of its frames matches), by system call and by deepest jkad frame.

Usage: bench/profile-categories.py prof.collapsed
"""
import collections
import re
import sys

f = sys.argv[1]
cats=[("X25519 (any)",r"X25519"),("Noise (any)",r"io/jkad/net/Noise|io/jkad/net/CipherState"),("Yamux",r"Yamux"),
("Multistream",r"Multistream"),("Identify",r"Identify"),("kernel",r"_\[k\]"),("connect/accept",r"connect|accept"),
("close",r"[Cc]lose"),("timers/scheduling",r"Schedul|Timer|HashedWheel"),("JIT",r"Compile|C2Compiler|C1_|Compilation"),
("GC",r"G1|GCTask|ConcurrentGC|Gang|GCThread|WorkerThread"),("Kademlia/query/routing",r"io/jkad/(kad|query|routing|kademlia)"),
("Ed25519",r"Ed25519"),("SHA/HMAC/HKDF",r"(?i)sha256|hmac|hkdf"),("protobuf",r"protobuf"),("futex",r"futex")]
tot=0; cc=collections.Counter(); thr=collections.Counter(); deep=collections.Counter(); sysc=collections.Counter()
for line in open(f):
    line=line.rstrip()
    if not line: continue
    stack,_,c=line.rpartition(' '); c=int(c); tot+=c
    frames=stack.split(';'); thr[frames[0][:50]]+=c
    for name,pat in cats:
        if re.search(pat,stack): cc[name]+=c
    jk=[fr for fr in frames if fr.startswith('io/jkad')]
    deep[jk[-1] if jk else '<none>']+=c
    ks=[fr for fr in frames if fr.endswith('_[k]')]
    if ks and 'X25519' not in stack:
        m=next((fr for fr in ks if fr.startswith('__x64_sys_') or fr.startswith('__sys_')),None)
        sysc[(m or ks[0])[:40]]+=c
print("total samples",tot)
print("-- threads"); [print(f"{v/tot*100:5.1f}% {k}") for k,v in thr.most_common(5)]
print("-- categories (a sample counts once for each pattern any of its frames matches; they overlap)")
[print(f"{v/tot*100:5.1f}% {k}") for k,v in cc.most_common()]
print("-- kernel samples by first system call frame (X25519's excluded), top 12"); [print(f"{v/tot*100:5.1f}% {k}") for k,v in sysc.most_common(12)]
print("-- deepest io/jkad frame of each sample, top 25"); [print(f"{v/tot*100:5.1f}% {k}") for k,v in deep.most_common(25)]
