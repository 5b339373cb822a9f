"""Full-text search of cases (``cases.search``): fill ``search_tokens`` of the cases already there, then index
them — a GIN index on PostgreSQL, an FTS5 table kept by triggers on SQLite.

The fill cuts every case with jieba in chunks of ``CHUNK`` rows (roughly 1,000–2,000 cases a second on
one core): seconds for a town, about an hour for millions of cases; the bench loader precomputes the tokens
instead. The index is built after the fill, so it is written once.
"""

from django.db import migrations

CHUNK = 2000


def fill_tokens(apps, schema_editor):
    from yishi.cases.search import tokens_for

    Case = apps.get_model("cases", "Case")
    db = schema_editor.connection.alias
    last = 0
    while True:
        chunk = list(
            Case.objects.using(db)
            .filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "number", "title", "text", "address")[:CHUNK]
        )
        if not chunk:
            return
        for case in chunk:
            case.search_tokens = tokens_for(case.number, case.title, case.text, case.address)
        Case.objects.using(db).bulk_update(chunk, ["search_tokens"], batch_size=500)
        last = chunk[-1].pk


def create_index(apps, schema_editor):
    from yishi.cases.search import create_search_index

    create_search_index(schema_editor)


def drop_index(apps, schema_editor):
    from yishi.cases.search import drop_search_index

    drop_search_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_search_tokens_month_stats"),
    ]

    operations = [
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
