"""``yishi routing``: train/predict round trip through files, evaluate, and clear errors for bad CSVs."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from yishi.routing.models import RoutingModel

from .conftest import rows


def write(path: Path, header, data, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        if header:
            w.writerow(header)
        w.writerows(data)
    return path


def test_train_to_a_directory_then_predict_one_label_per_line_in_order(tmp_path, capsys):
    train = write(tmp_path / "train.csv", ["text", "label"], rows(300))
    call_command("routing", "train", "--csv", str(train), "--out", str(tmp_path / "model"))
    assert (tmp_path / "model" / "model.joblib").is_file()
    assert (tmp_path / "model" / "metrics.json").is_file()
    capsys.readouterr()
    texts = ["暖气片一直不热，冻得穿棉衣", "垃圾桶满了没人清运", "邻居家音响声音太大", "僵尸车长期占用车位"]
    predict = write(tmp_path / "in.csv", ["text"], [[t] for t in texts])
    call_command("routing", "predict", "--model", str(tmp_path / "model"), "--csv", str(predict))
    assert capsys.readouterr().out.split() == ["heating", "garbage", "noise", "parking"]


@pytest.mark.django_db
def test_train_with_out_registers_no_version(tmp_path):
    train = write(tmp_path / "train.csv", ["text", "label"], rows(120))
    call_command("routing", "train", "--csv", str(train), "--out", str(tmp_path / "m"))
    assert not RoutingModel.objects.exists()


def test_evaluate_prints_model_and_baseline_per_category_and_confusion(tmp_path, capsys):
    data = write(tmp_path / "all.csv", ["text", "label"], rows(300))
    call_command("routing", "evaluate", "--csv", str(data))
    out = capsys.readouterr().out
    assert "macro-F1" in out and "accuracy" in out and "baseline" in out
    assert "precision" in out and "recall" in out and "confusion" in out
    assert "noise" in out and "heating" in out


@pytest.mark.parametrize(
    "name,make,message",
    [
        ("missing column", lambda p: write(p, ["content", "label"], [["a", "noise"]]), "缺少列：text"),
        ("empty file", lambda p: p.write_bytes(b"") and p, "是空的"),
        ("header only", lambda p: write(p, ["text", "label"], []), "没有数据行"),
        ("wrong encoding", lambda p: write(p, ["text", "label"], rows(20), encoding="gbk"), "不是 UTF-8"),
        (
            "one class only",
            lambda p: write(p, ["text", "label"], [[f"噪音{i}", "noise"] for i in range(9)]),
            "只有一个类别",
        ),
        (
            "too few of a class",
            lambda p: write(p, ["text", "label"], [["噪音", "noise"]] * 5 + [["垃圾", "garbage"]]),
            "少于3条",
        ),
    ],
)
def test_bad_csvs_are_clear_errors(tmp_path, name, make, message):
    path = tmp_path / "bad.csv"
    make(path)
    with pytest.raises(CommandError, match=message):
        call_command("routing", "train", "--csv", str(path), "--out", str(tmp_path / "m"))


def test_predict_rejects_a_missing_model_and_a_csv_without_text(tmp_path):
    with pytest.raises(CommandError, match="找不到模型"):
        call_command(
            "routing", "predict", "--model", str(tmp_path / "none"), "--csv", str(tmp_path / "x.csv")
        )
    train = write(tmp_path / "train.csv", ["text", "label"], rows(60))
    call_command("routing", "train", "--csv", str(train), "--out", str(tmp_path / "m"))
    bad = write(tmp_path / "in.csv", ["label"], [["noise"]])
    with pytest.raises(CommandError, match="缺少列：text"):
        call_command("routing", "predict", "--model", str(tmp_path / "m"), "--csv", str(bad))


def test_the_real_command_exits_non_zero_without_a_traceback(tmp_path):
    bad = write(tmp_path / "bad.csv", ["text", "label"], rows(10), encoding="gbk")
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "manage.py", "routing", "train", "--csv", str(bad), "--out", str(tmp_path / "m")],
        cwd=root,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "yishi.settings.test", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode != 0
    assert "不是 UTF-8" in done.stderr and "Traceback" not in done.stderr
