"""诉求全文检索: Chinese full-text search of cases.

Chinese has no spaces between words, so neither PostgreSQL's parser nor SQLite's FTS5 tokenizer can find
words in it, and trigram indexes cannot search 2-character words (噪音, 停车) at all. We therefore cut the
case's number, title, text and address into words with jieba when they are written and keep them in
``Case.search_tokens``, separated by spaces; the database indexes those words:

- PostgreSQL: a GIN index on ``to_tsvector('simple'::regconfig, search_tokens)`` (migration 0007);
- SQLite: the FTS5 external-content table ``cases_case_fts`` kept in sync by triggers (migration 0007).

Rules:
- A token is a run of letters and digits (CJK included), lower-cased; punctuation, whitespace and
  symbols never become tokens. Tokens are de-duplicated, in first-seen order.
- Texts are cut with ``jieba.cut_for_search`` (the word and its dictionary parts: 中华人民共和国 → 中华
  华人 人民 共和 共和国 中华人民共和国), the query with ``jieba.cut``; every query token must match (AND).
- A hyphenated code such as the case number ``2026-640302-000123`` is indexed as one token (its pieces
  joined: ``2026640302000123``) and as each piece (``2026``, ``640302``, ``000123``); in a query it is the
  joined token only, so the full number finds exactly that case and a piece finds every case holding it.
- A query without any token (only punctuation or spaces) matches nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

from django.db import models
from django.db.models.expressions import RawSQL

# Tokens longer than this are dropped: PostgreSQL refuses lexemes over 2 KB, and nobody searches for one.
MAX_TOKEN_LENGTH = 64

# A hyphenated code (case numbers, "A-3"): letters/digits joined by '-'.
_CODE = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
# Runs of letters and digits: what survives of a jieba word (jieba keeps "+#&._%-" inside Latin words).
_WORD = re.compile(r"[^\W_]+")

_jieba = None
_jieba_lock = threading.Lock()


def _tokenizer():
    """jieba, initialised once per process on first use (loading the dictionary takes about a second) and
    quietly: its INFO lines would end up in every log. The dictionary ships with the package, nothing is
    downloaded."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _words(pieces: Iterable[str]) -> Iterable[str]:
    for piece in pieces:
        for word in _WORD.findall(piece.lower()):
            if len(word) <= MAX_TOKEN_LENGTH:
                yield word


def _codes(text: str) -> Iterable[str]:
    for code in _CODE.findall(text):
        yield code.replace("-", "")


def tokens_for(*texts: str | None) -> str:
    """The ``search_tokens`` value for the given texts (number, title, text, address; any may be empty):
    their jieba search-mode words and hyphenated codes (joined and in pieces), lower-cased, de-duplicated,
    joined by single spaces. Pure and deterministic, so bulk loaders may precompute it for text templates."""
    jieba = _tokenizer()
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for word in _words(_codes(text)):
            seen.setdefault(word, None)
        for word in _words(jieba.cut_for_search(text)):
            seen.setdefault(word, None)
    return " ".join(seen)


def query_tokens(q: str | None) -> list[str]:
    """The tokens a keyword query must all match: hyphenated codes as one joined token each, the rest cut
    with ``jieba.cut`` the same way as the indexed texts. Empty when the query holds no letter or digit."""
    if not q:
        return []
    seen: dict[str, None] = {}
    for word in _words(_codes(q)):
        seen.setdefault(word, None)
    rest = _CODE.sub(" ", q)
    for word in _words(_tokenizer().cut(rest)):
        seen.setdefault(word, None)
    return list(seen)


def fts5_query(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression requiring every token: each a quoted string (inner quotes doubled), so
    ``AND``, ``NEAR``, ``*``, ``:`` and the like are searched as text, never read as query syntax."""
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)


class _TsMatch(models.Func):
    """``search_vector @@ plainto_tsquery('simple'::regconfig, %s)``.

    ``search_vector`` is the column PostgreSQL generates from ``search_tokens`` (migration ``0009``; not a
    model field, so the ORM never writes it), indexed by ``case_search_tokens_gin``. ``plainto_tsquery``
    parses the parameter as plain text and ANDs its words, so no input can inject tsquery syntax."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        # The generated column of the same row: the tokens column's table alias, the vector's name.
        vector_sql = (
            column_sql.rsplit(".", 1)[0] + '."search_vector"' if "." in column_sql else '"search_vector"'
        )
        sql = f"{vector_sql} @@ plainto_tsquery('simple'::regconfig, {query_sql})"
        return sql, (*column_params, *query_params)


def filter_cases(qs: models.QuerySet, q: str | None) -> models.QuerySet:
    """The one keyword filter of cases (lists, ledger, export, API): keeps the cases whose number, title,
    text or address hold every word of ``q``. A blank ``q`` leaves ``qs`` as it is; a ``q`` without any
    word (only punctuation) matches nothing. Only filters: callers order and paginate."""
    if q is None or not q.strip():
        return qs
    tokens = query_tokens(q)
    if not tokens:
        return qs.none()
    vendor = _vendor(qs.db)
    if vendor == "postgresql":
        return qs.filter(
            _TsMatch(
                models.F("search_tokens"), models.Value(" ".join(tokens), output_field=models.TextField())
            )
        )
    if vendor == "sqlite":
        return qs.filter(
            id__in=RawSQL(
                "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s", [fts5_query(tokens)]
            )
        )
    # Any other database: the slow but correct way, a scan of the token column word by word.
    for token in tokens:
        qs = qs.filter(search_tokens__regex=rf"(^| ){re.escape(token)}( |$)")
    return qs


# How many times the expected number of cases to read for a page the window holds.
SQLITE_WINDOW_MARGIN = 4


def window_size(alias: str, q: str | None, *, limit: int) -> int | None:
    """SQLite only, for one page of ``q`` newest first: how many of the newest cases (of the list's own
    scope and filters) to search first — or None where the whole set of matches is cheaper: where the window
    would read more keys than there are matches (a word in fewer than about ``sqrt(4 × limit × N)`` cases).

    Why: FTS5 cannot hand out its matches in time order, so ``filter_cases`` makes SQLite build the set of
    every match and look each one up to sort it (about 4 µs a match: 54 ms for a word in one case of
    sixteen at 200,000 cases, 277 ms for a word in one of ten at 1 M), while PostgreSQL walks its time
    index testing each row. A word in M of N cases has a page of ``limit`` matches within about
    ``limit × N / M`` of the newest cases, if the list's scope holds it as often as the city does; the
    window is ``SQLITE_WINDOW_MARGIN`` times that (``window_q``).
    """
    if not q or _vendor(alias) != "sqlite":
        return None
    tokens = query_tokens(q)
    if not tokens:
        return None
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cases_case_fts WHERE cases_case_fts MATCH %s", [fts5_query(tokens)]
        )
        matches = cursor.fetchone()[0]
        if not matches:
            return None
        cursor.execute("SELECT max(id) FROM cases_case")
        total = cursor.fetchone()[0] or 0
    size = -(-limit * total * SQLITE_WINDOW_MARGIN // matches)
    return size if size <= matches else None


def window_q(q: str, newest: list[tuple]) -> models.Q:
    """The cases among ``newest`` (the (submitted_at, id) keys of the window, newest first) that hold every
    word of ``q``. The lowest id of the window bounds the match lists (FTS5 seeks a rowid range, so only
    the matches from there on are read) and the oldest key bounds the time; every case of the window is
    tested, so a full page found in it is exact."""
    from .selectors import after_q

    lowest = min(pk for _at, pk in newest)
    in_window = RawSQL(
        "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s AND rowid >= %s",
        [fts5_query(query_tokens(q)), lowest],
    )
    return models.Q(id__in=in_window) & after_q(newest[-1], reverse=True, inclusive=True)


def _vendor(alias: str) -> str:
    from django.db import connections

    return connections[alias].vendor


# -- schema (migration 0007 and any later migration that rebuilds cases_case on SQLite) --------------------

PG_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS case_search_tokens_gin ON cases_case "
    "USING gin (to_tsvector('simple'::regconfig, search_tokens))"
)
PG_DROP_INDEX_SQL = "DROP INDEX IF EXISTS case_search_tokens_gin"

SQLITE_FTS_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5("
    "search_tokens, content='cases_case', content_rowid='id', tokenize='unicode61')"
)
# Deleting from an external-content FTS5 table needs the old values exactly as indexed; the triggers pass them.
SQLITE_TRIGGERS_SQL = (
    "CREATE TRIGGER IF NOT EXISTS cases_case_fts_ai AFTER INSERT ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS cases_case_fts_ad AFTER DELETE ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) "
    "VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS cases_case_fts_au AFTER UPDATE OF search_tokens ON cases_case BEGIN "
    "INSERT INTO cases_case_fts(cases_case_fts, rowid, search_tokens) "
    "VALUES ('delete', old.id, old.search_tokens); "
    "INSERT INTO cases_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
)
SQLITE_TRIGGER_NAMES = ("cases_case_fts_ai", "cases_case_fts_ad", "cases_case_fts_au")
SQLITE_REBUILD_SQL = "INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')"


def create_search_index(schema_editor) -> None:
    """Create the search index for the database at hand (idempotent). On SQLite, Django rebuilds a table
    (and drops its triggers) when a migration alters it in ways ALTER TABLE cannot; such a migration must
    call this again afterwards — ``test_search`` checks that the triggers exist after all migrations."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INDEX_SQL)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FTS_SQL)
        # Index what is already there before the triggers take over.
        schema_editor.execute(SQLITE_REBUILD_SQL)
        for sql in SQLITE_TRIGGERS_SQL:
            schema_editor.execute(sql)


def drop_search_index(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP_INDEX_SQL)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute("DROP TABLE IF EXISTS cases_case_fts")
