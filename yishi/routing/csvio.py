"""Reading the CSV files of the routing command: UTF-8 (a BOM is allowed), a header naming the columns.

Every problem is a ``CsvError`` with a message for the person at the terminal, never a traceback.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


class CsvError(Exception):
    """A CSV file the command cannot use; the message says why."""


def read_rows(path: str | Path, columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The rows of ``path`` as tuples of ``columns`` (stripped), in file order."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(f"文件 {path} 不是 UTF-8 编码（第 {exc.start} 字节）；请另存为 UTF-8 CSV。") from exc
    if not text.strip():
        raise CsvError(f"文件 {path} 是空的。")
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in columns if c not in header]
        if missing:
            raise CsvError(
                f"文件 {path} 缺少列：{', '.join(missing)}（表头应为 {','.join(columns)}，实际为 {','.join(header)}）。"
            )
        reader.fieldnames = header
        rows = [tuple((row.get(c) or "").strip() for c in columns) for row in reader]
    except csv.Error as exc:
        raise CsvError(f"文件 {path} 不是有效的 CSV：{exc}") from exc
    if not rows:
        raise CsvError(f"文件 {path} 只有表头，没有数据行。")
    return rows
