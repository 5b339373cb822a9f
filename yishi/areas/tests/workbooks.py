"""Ledger workbooks built in memory for the importer tests."""

import io

from openpyxl import Workbook

from yishi.areas.importing import COLUMNS


def workbook_bytes(sheets: dict[str, list[list]], headers: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx with one sheet per key: the standard headers (or ``headers[name]``), then the rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append((headers or {}).get(name) or [h for h, _required in COLUMNS[name]])
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_workbook() -> bytes:
    """Two new grids (the second under the first one's community), a unit in a new grid, two people."""
    return workbook_bytes(
        {
            "区域": [
                ["第二网格", "网格", "利通区/金星镇/裕西社区", "", "古城巷"],
                ["古城巷9号楼", "building", "利通区/金星镇/裕西社区/第二网格", "", ""],
                ["东门社区", "社区/村", "利通区/金星镇", "640302001", ""],
            ],
            "单位": [
                [
                    "裕西物业服务中心",
                    "物业公司",
                    "利通区/金星镇/裕西社区/第二网格",
                    "古城巷8号",
                    "0953-2012345",
                ],
            ],
            "人员": [
                [
                    "马晓红",
                    "13995370001",
                    "",
                    "利通区/金星镇/裕西社区/第二网格",
                    "裕西物业服务中心",
                    "经理",
                    "是",
                    "网格员",
                    "利通区/金星镇/裕西社区/第二网格",
                    "maxiaohong",
                    "Yishi@2024",
                ],
                ["杨建国", 13995370002, "640302199001011234", "640302001", "", "", "否", "", "", "", ""],
            ],
        }
    )
