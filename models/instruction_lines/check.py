import json, sys
from collections import Counter
ok = True
def load(path, keys):
    rows = []
    global ok
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        try:
            r = json.loads(line)
        except Exception as e:
            print(f"{path}:{i} invalid JSON: {e}"); ok = False; continue
        if set(r) != set(keys) or not all(isinstance(r[k], str) and r[k].strip() for k in keys):
            print(f"{path}:{i} bad keys/values: {r}"); ok = False
        if "\n" in r.get("text", ""):
            print(f"{path}:{i} newline in text"); ok = False
        rows.append(r)
    return rows
ins = load("instruction.jsonl", ["text", "style"])
res = load("research.jsonl", ["text", "topic"])
for name, rows in (("instruction", ins), ("research", res)):
    c = Counter(r["text"] for r in rows)
    d = [t for t, k in c.items() if k > 1]
    if d: print(name, "duplicates:", d[:5]); ok = False
cross = {r["text"] for r in ins} & {r["text"] for r in res}
if cross: print("cross-file duplicates:", list(cross)[:5]); ok = False
for bad in ("PWNED", "attacker.example", "9c1e"):
    hits = [r["text"] for r in ins + res if bad.lower() in r["text"].lower()]
    if hits: print("forbidden string", bad, hits[:3]); ok = False
sc = Counter(r["style"] for r in ins)
tc = Counter(r["topic"] for r in res)
if len(ins) < 600: print("instruction < 600"); ok = False
if len(res) < 400: print("research < 400"); ok = False
if len(sc) < 40: print("styles < 40"); ok = False
over = {s: k for s, k in sc.items() if k > 25}
if over: print("styles over 25:", over); ok = False
wl = sorted(len(r["text"].split()) for r in ins)
wr = sorted(len(r["text"].split()) for r in res)
print(f"instruction.jsonl: {len(ins)} lines, {len(sc)} styles, max/style {max(sc.values())}, min/style {min(sc.values())}, words median {wl[len(wl)//2]} (min {wl[0]}, max {wl[-1]})")
print(f"research.jsonl: {len(res)} lines, {len(tc)} topics, words median {wr[len(wr)//2]} (min {wr[0]}, max {wr[-1]})")
print("ALL CHECKS PASSED" if ok else "CHECKS FAILED")
sys.exit(0 if ok else 1)
