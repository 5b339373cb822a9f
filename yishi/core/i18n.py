"""Translation catalogues: Chinese is the source wording (the msgids); English is a complete translation.

``python -m yishi.core.i18n compile`` writes the .mo files from the .po files (pure Python, so no gettext
is needed to run yishi); ``check`` fails when an English entry is missing, fuzzy or the .mo is stale.
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def problems() -> list[str]:
    found = []
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{po_path.name}: fuzzy: {entry.msgid!r}")
            elif not entry.translated():
                found.append(f"{po_path.name}: untranslated: {entry.msgid!r}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            found.append(f"{mo_path}: missing, run `make messages`")
            continue
        compiled = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in polib.mofile(str(mo_path))
        }
        source = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in po
            if e.translated() and not e.obsolete
        }
        if compiled != source:
            found.append(f"{mo_path}: stale, run `make messages`")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "compile":
        compile_all()
        return 0
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
